package org.wsging.worker.link;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;

/**
 * Writes {@link Frame}s. A DATA or WS_MESSAGE frame becomes a 10-byte header buffer followed by
 * its own payload buffer, so body and message bytes are never copied; every other frame is
 * encoded into one buffer.
 */
@ChannelHandler.Sharable
public final class FrameEncoder extends MessageToMessageEncoder<Frame> {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {
        super(Frame.class);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Frame frame, List<Object> out) {
        if (frame instanceof Frame.Data d) {
            ByteBuf header = ctx.alloc().ioBuffer(FrameType.HEADER_SIZE);
            FrameCodec.writeHeader(header, FrameType.DATA, d.endStream() ? FrameType.FLAG_END_STREAM : 0,
                    d.streamId(), d.data().readableBytes());
            out.add(header);
            // MessageToMessageEncoder releases the frame after encode(): keep the payload alive for the write.
            out.add(d.data().retain());
            return;
        }
        if (frame instanceof Frame.WsMessage m) {
            ByteBuf header = ctx.alloc().ioBuffer(FrameType.HEADER_SIZE);
            FrameCodec.writeHeader(header, FrameType.WS_MESSAGE, WsCodec.flags(m), m.streamId(),
                    m.data().readableBytes());
            out.add(header);
            out.add(m.data().retain());
            return;
        }
        ByteBuf buf = ctx.alloc().ioBuffer();
        try {
            FrameCodec.encode(frame, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
        out.add(buf);
    }
}
