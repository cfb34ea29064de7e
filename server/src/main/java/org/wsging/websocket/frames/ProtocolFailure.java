package org.wsging.websocket.frames;

/**
 * The frame layer found a violation by the client: 1002 (protocol error), 1007 (text that is not
 * UTF-8) or 1009 (message over the maximum size). When this event is fired the close frame with
 * {@code code} has been written, the channel closes as soon as it is on the wire, and no further
 * inbound event follows. Fired at most once per connection, before {@code channelInactive}.
 *
 * @param why what was wrong, for logs
 */
public record ProtocolFailure(int code, String why) {
}
