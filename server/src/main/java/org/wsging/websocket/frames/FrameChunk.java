package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * Unmasked payload bytes of one data frame (TEXT, BINARY or CONTINUATION) as they arrived. A frame
 * is handed on in one or more chunks: the first ({@code frameStart}) as soon as its header is
 * complete, with whatever payload came with it (perhaps none), the last with {@code frameEnd}.
 *
 * @param compressed  RSV1 of the frame (RFC 7692 §6: the message is compressed)
 * @param frameLength the payload length the header announced
 */
record FrameChunk(int opcode, boolean fin, boolean compressed, long frameLength,
                  boolean frameStart, ByteBuf data, boolean frameEnd) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return data;
    }
}
