package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * An {@link OutboundPiece} after {@link DeflateHandler}: its bytes are part of one compressed
 * message (RFC 7692 §7.2.1), so the frame encoder sets RSV1 on the message's first frame.
 */
record CompressedPiece(boolean text, ByteBuf data, boolean last) implements BufferMessage {

    @Override
    public ByteBuf content() {
        return data;
    }
}
