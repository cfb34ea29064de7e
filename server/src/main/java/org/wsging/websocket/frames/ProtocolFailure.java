package org.wsging.websocket.frames;

/**
 * Inbound: the frame layer found a violation (1002, 1007, 1009), has written the close frame with
 * that code and closed the channel; fired once, before channelInactive.
 */
public record ProtocolFailure(int code, String why) {}
