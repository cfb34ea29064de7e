package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/** The answer to a client's ping (RFC 6455 §5.5.3): a pong with the ping's payload. */
record OutboundPong(ByteBuf payload) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return payload;
    }
}
