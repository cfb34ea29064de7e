package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/** A pong the client sent (RFC 6455 §5.5.3); the receiver owns {@code payload}. */
public record PeerPong(ByteBuf payload) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return payload;
    }
}
