package org.wsging.websocket.frames;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Acts on the client's control frames, which may come between the fragments of a message
 * (RFC 6455 §5.4): a ping is answered at once with a pong carrying its payload (§5.5.2); a pong
 * goes up as {@link PeerPong}; a close frame is validated and goes up as {@link PeerClose}, for
 * the session to answer. Data frames pass by.
 */
final class ControlFrameHandler extends ChannelInboundHandlerAdapter {

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ControlFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        switch (frame.opcode()) {
            case Opcodes.PING -> ctx.writeAndFlush(new OutboundPong(frame.payload()));
            case Opcodes.PONG -> ctx.fireChannelRead(new PeerPong(frame.payload()));
            case Opcodes.CLOSE -> {
                PeerClose close;
                try {
                    close = ClosePayload.parse(frame.payload());
                } finally {
                    frame.release();
                }
                ctx.fireChannelRead(close);
            }
            default -> {
                frame.release();
                throw new IllegalStateException("not a control opcode: " + frame.opcode());
            }
        }
    }
}
