package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A channel with the frame layer installed before a recording session handler, and a log of what
 * happened at both ends in order: {@code "frame <opcode>"} for every frame written to the socket,
 * {@code "close"} when the channel is closed, {@code "read request"} for every
 * {@code read()} asked of the socket, {@code "read <Event>"} for every event reaching the
 * session, {@code "inactive"} for channelInactive.
 */
final class WsChannel {

    final EmbeddedChannel channel = new EmbeddedChannel();
    final List<String> log = new ArrayList<>();
    private final List<Object> received = new ArrayList<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();

    WsChannel(FrameSettings settings) {
        channel.pipeline().addLast("socket", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                ByteBuf bytes = (ByteBuf) msg;
                written.writeBytes(ByteBufUtil.getBytes(bytes));
                log.add("write");
                ctx.write(msg, promise);
            }

            @Override
            public void read(ChannelHandlerContext ctx) {
                log.add("read request");
                ctx.read();
            }

            @Override
            public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
                log.add("close");
                super.close(ctx, promise);
            }
        });
        channel.pipeline().addLast("session", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                log.add("read " + msg.getClass().getSimpleName());
                received.add(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                log.add("inactive");
            }
        });
        WebSocketFrames.install(channel.pipeline(), "session", settings);
    }

    static WsChannel plain(long maxMessageSize, int maxPieceSize) {
        return new WsChannel(new FrameSettings(maxMessageSize, maxPieceSize, null));
    }

    static WsChannel plain() {
        return plain(1 << 20, 1 << 16);
    }

    /** Sends bytes from the client in one read; checks the frame layer released them. */
    void send(byte[]... parts) {
        for (byte[] part : parts) {
            ByteBuf buf = Unpooled.wrappedBuffer(part);
            channel.writeInbound(buf);
            assertEquals(0, buf.refCnt(), "the decoder kept the read buffer");
        }
        channel.runPendingTasks();
    }

    /** Sends bytes from the client one read per byte. */
    void sendByteByByte(byte[] bytes) {
        for (byte b : bytes) {
            if (!channel.isOpen()) {
                return;   // no read follows a close
            }
            send(new byte[] {b});
        }
    }

    /** The events that reached the session since the last call; the caller owns them. */
    List<Object> events() {
        List<Object> events = new ArrayList<>(received);
        received.clear();
        return events;
    }

    /** The frames written to the client since the last call. */
    List<ServerFrame> frames() {
        if (channel.isOpen()) {
            channel.flushOutbound();
        }
        byte[] bytes = written.toByteArray();
        written.reset();
        Object msg;
        while ((msg = channel.readOutbound()) != null) {
            ReferenceCountUtil.release(msg);
        }
        return ServerFrame.parseAll(Unpooled.wrappedBuffer(bytes));
    }

    /** The one message received since the last call, joined from its pieces; releases them. */
    byte[] message() {
        List<Object> events = events();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < events.size(); i++) {
            MessagePiece piece = assertInstanceOf(MessagePiece.class, events.get(i));
            out.writeBytes(ByteBufUtil.getBytes(piece.data()));
            assertEquals(i == events.size() - 1, piece.last(), "last flag on piece " + i);
            piece.release();
        }
        assertFalse(events.isEmpty(), "no message");
        return out.toByteArray();
    }

    /** Checks the connection failed with {@code code} as the frame layer must, and returns why. */
    String assertFailed(int code) {
        List<ServerFrame> frames = frames();
        assertEquals(1, frames.size(), "frames written: " + frames);
        assertEquals(code, frames.get(0).closeCode());
        assertFalse(channel.isOpen(), "the TCP connection was not closed");
        int write = log.lastIndexOf("write");
        int close = log.indexOf("close");
        int failure = log.indexOf("read ProtocolFailure");
        int inactive = log.indexOf("inactive");
        assertTrue(write >= 0 && close > write, "close frame written, then the connection closed: " + log);
        assertTrue(failure >= 0 && inactive > failure, "ProtocolFailure before channelInactive: " + log);
        assertEquals(1, log.stream().filter("read ProtocolFailure"::equals).count(), "fired once: " + log);
        List<Object> events = events();
        Object last = events.get(events.size() - 1);
        ProtocolFailure failureEvent = assertInstanceOf(ProtocolFailure.class, last, "events: " + events);
        assertEquals(code, failureEvent.code());
        events.forEach(ReferenceCountUtil::release);
        return failureEvent.why();
    }

    void finish() {
        events().forEach(ReferenceCountUtil::release);
        channel.finishAndReleaseAll();
    }
}
