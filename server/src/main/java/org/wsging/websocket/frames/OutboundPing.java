package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * A ping to send (RFC 6455 §5.5.2), at most 125 bytes of payload; a longer one fails its write
 * with {@link IllegalArgumentException}. The client's pong comes back as {@link PeerPong}.
 */
public record OutboundPing(ByteBuf payload) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return payload;
    }
}
