package org.wsging.websocket.frames;

/** Inbound: the client's close frame, validated; {@code code} is 1005 when it had none. Not answered by the
 * frame layer: the session answers it ({@link OutboundClose}). */
public record PeerClose(int code, String reason) {}
