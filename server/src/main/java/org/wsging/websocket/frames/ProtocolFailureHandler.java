package org.wsging.websocket.frames;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * Fails the WebSocket connection (RFC 6455 §7.1.7) when a frame handler before it found a
 * violation: stops decoding the client's input, sends a close frame with the violation's code,
 * closes the TCP connection once that frame is written (§7.1.1: the server closes it first), and
 * tells the session with {@link ProtocolFailure}. Only the first violation counts; inbound events
 * that follow it are dropped, so the session sees nothing after the failure.
 */
final class ProtocolFailureHandler extends ChannelInboundHandlerAdapter {

    private final InputGate gate;
    private boolean failed;

    ProtocolFailureHandler(InputGate gate) {
        this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof ProtocolViolation violation)) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        if (failed) {
            return;
        }
        failed = true;
        gate.close();
        // The session hears first: the write below may complete, and the close with it, at once
        // (a writable socket), after which no handler is left to hear it.
        ctx.fireChannelRead(new ProtocolFailure(violation.code, violation.getMessage()));
        ctx.writeAndFlush(new OutboundClose(violation.code, reason(violation.getMessage())))
                .addListener(ChannelFutureListener.CLOSE);
    }

    /** The close frame's reason: the explanation, cut to what a close frame holds. */
    static String reason(String why) {
        byte[] bytes = why.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= CloseCodes.MAX_REASON_BYTES) {
            return why;
        }
        int end = CloseCodes.MAX_REASON_BYTES;
        while ((bytes[end] & 0xC0) == 0x80) {
            end--;   // do not cut a code point in two
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }
}
