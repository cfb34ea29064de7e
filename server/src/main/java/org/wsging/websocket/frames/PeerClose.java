package org.wsging.websocket.frames;

/**
 * The client's close frame, validated (RFC 6455 §5.5.1, §7.4): its code is one a peer may send,
 * its reason is UTF-8. {@code code} is 1005 when the frame had no payload (§7.1.5). The frame
 * layer does not answer it: the session does, with {@link OutboundClose}. Frames after it are
 * ignored.
 */
public record PeerClose(int code, String reason) {
}
