package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;

/**
 * Netty's WebSocket frames to the session's events and back: data frames become
 * {@link MessagePiece}s of at most the piece size (the message size is enforced here, 1009),
 * pings are answered, pongs and close frames are handed on; the session's outbound pieces,
 * closes and pings become frames. A violation Netty's decoder or UTF-8 validator found (they
 * wrote the close frame and close the channel) is handed on once as {@link ProtocolFailure}.
 */
final class InterimFrameBridge extends ChannelDuplexHandler {
    private final FrameSettings settings;
    private boolean messageText;
    private long messageSize;
    private boolean outgoingOpen;
    private boolean failed;

    InterimFrameBridge(FrameSettings settings) {
        this.settings = settings;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (failed) {
            frame.release();
            return;
        }
        try {
            if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof PongWebSocketFrame) {
                ctx.fireChannelRead(new PeerPong(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                int code = close.statusCode();
                ctx.fireChannelRead(new PeerClose(code < 0 ? 1005 : code, code < 0 ? "" : close.reasonText()));
            } else {
                if (!(frame instanceof ContinuationWebSocketFrame)) {
                    messageText = frame instanceof TextWebSocketFrame;
                    messageSize = 0;
                }
                piece(ctx, frame.content(), frame.isFinalFragment());
            }
        } finally {
            frame.release();
        }
    }

    private void piece(ChannelHandlerContext ctx, ByteBuf content, boolean last) {
        messageSize += content.readableBytes();
        if (messageSize > settings.maxMessageSize()) {
            fail(ctx, WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), "message larger than " + settings.maxMessageSize());
            return;
        }
        if (!content.isReadable()) {
            if (last) {
                ctx.fireChannelRead(new MessagePiece(messageText, Unpooled.EMPTY_BUFFER, true));
            }
            return;
        }
        while (content.isReadable()) {
            int n = Math.min(content.readableBytes(), settings.maxPieceSize());
            ByteBuf slice = content.readRetainedSlice(n);
            ctx.fireChannelRead(new MessagePiece(messageText, slice, last && !content.isReadable()));
        }
    }

    private void fail(ChannelHandlerContext ctx, int code, String why) {
        failed = true;
        ctx.writeAndFlush(new CloseWebSocketFrame(code, why)).addListener(ChannelFutureListener.CLOSE);
        ctx.fireChannelRead(new ProtocolFailure(code, why));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException e) {
            if (!failed) {
                failed = true;
                ctx.fireChannelRead(new ProtocolFailure(e.closeStatus().code(), String.valueOf(e.getMessage())));
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        switch (msg) {
            case OutboundPiece p -> {
                WebSocketFrame frame = outgoingOpen ? new ContinuationWebSocketFrame(p.last(), 0, p.data())
                        : p.text() ? new TextWebSocketFrame(p.last(), 0, p.data())
                        : new BinaryWebSocketFrame(p.last(), 0, p.data());
                outgoingOpen = !p.last();
                ctx.write(frame, promise);
            }
            case OutboundClose c -> ctx.write(c.code() == 0 ? new CloseWebSocketFrame(true, 0, Unpooled.EMPTY_BUFFER)
                    : new CloseWebSocketFrame(c.code(), c.reason()), promise);
            case OutboundPing p -> ctx.write(new PingWebSocketFrame(p.payload()), promise);
            default -> ctx.write(msg, promise);
        }
    }
}
