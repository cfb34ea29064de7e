package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * A piece of one incoming message, fired up the pipeline in order: unmasked, reassembled from its
 * fragments, decompressed, and for text checked as UTF-8 so far (a piece may end inside a code
 * point; the whole message is valid when the piece with {@code last} arrives). At most
 * {@link FrameSettings#maxPieceSize()} bytes; only the last piece of a message may be empty. The
 * receiver owns {@code data}.
 */
public record MessagePiece(boolean text, ByteBuf data, boolean last) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return data;
    }
}
