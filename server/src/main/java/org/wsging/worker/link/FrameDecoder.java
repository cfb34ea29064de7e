package org.wsging.worker.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the link's byte stream into {@link Frame}s (spec A.2). After a link error it raises one
 * {@link LinkProtocolException} and discards everything that follows: the link is finished.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    private boolean failed;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        try {
            Frame frame = FrameCodec.decode(in);
            if (frame != null) {
                out.add(frame);
            }
        } catch (LinkProtocolException e) {
            failed = true;
            in.skipBytes(in.readableBytes());
            throw e;
        }
    }
}
