package org.wsging.worker;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import org.wsging.worker.link.Frame;
import org.wsging.worker.link.FrameCodec;

/** Frames to and from a {@link WorkerLink} on an EmbeddedChannel (decoder, encoder, link). */
final class LinkFrames {
    private LinkFrames() {}

    /** Hands {@code frame} to the link as the worker would send it; the frame is released. */
    static void receive(EmbeddedChannel ch, Frame frame) {
        ByteBuf buf = Unpooled.buffer();
        FrameCodec.encode(frame, buf);
        ReferenceCountUtil.release(frame);
        ch.writeInbound(buf);
    }

    /** The next frame the link wrote, or null; {@code pendingOut} keeps a partial one. */
    static Frame sent(EmbeddedChannel ch, ByteBuf pendingOut) {
        ch.runPendingTasks();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            pendingOut.writeBytes(b);
            b.release();
        }
        Frame f = FrameCodec.decode(pendingOut);
        pendingOut.discardReadBytes();
        return f;
    }
}
