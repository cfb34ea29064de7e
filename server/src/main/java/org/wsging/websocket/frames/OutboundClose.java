package org.wsging.websocket.frames;

/** Outbound: a close frame; {@code code} 0 is a close frame with no payload. */
public record OutboundClose(int code, String reason) {}
