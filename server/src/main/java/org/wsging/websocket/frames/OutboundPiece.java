package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * One piece of an outgoing message, written by the session. The first piece of a message decides
 * whether it is text and whether it is compressed ({@code compress=false} sends it uncompressed
 * even when permessage-deflate was negotiated; {@code compress=true} without it sends it
 * uncompressed too); later pieces only continue it. Each piece becomes one frame: the first TEXT
 * or BINARY, the rest CONTINUATION, FIN on {@code last}. The write's promise completes when the
 * piece's bytes have been written to the socket.
 */
public record OutboundPiece(boolean text, ByteBuf data, boolean last, boolean compress) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return data;
    }
}
