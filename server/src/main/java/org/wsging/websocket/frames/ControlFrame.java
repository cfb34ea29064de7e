package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/** A whole control frame (CLOSE, PING or PONG), unmasked; its payload is at most 125 bytes. */
record ControlFrame(int opcode, ByteBuf payload) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return payload;
    }
}
