package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * Bytes of one incoming message in order, across its fragments, before the text check: still
 * compressed when {@code compressed}. Between the assembler and {@link TextMessageValidator}.
 */
record MessageBytes(boolean text, boolean compressed, ByteBuf data, boolean last) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return data;
    }
}
