package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.WebSocketConfig;
import org.wsging.exchange.FakeDispatcher;

/**
 * The server's cleartext pipeline on one EmbeddedChannel and Netty's HTTP/2 client codec on
 * another, with the bytes between them carried by {@link #exchange}: the server is driven by a
 * real, independent HTTP/2 implementation, frame by frame; a fake dispatcher plays the worker.
 */
final class Http2TestPair {

    /** What the client received on one stream. */
    static final class Received {
        final List<Http2Headers> heads = new ArrayList<>();
        final StringBuilder body = new StringBuilder();
        boolean ended;
        Long reset;

        Http2Headers finalHead() {
            for (Http2Headers h : heads) {
                if (h.status() != null && h.status().charAt(0) != '1') {
                    return h;
                }
            }
            return null;
        }

        int status() {
            return Integer.parseInt(finalHead().status().toString());
        }
    }

    final FakeDispatcher dispatcher = new FakeDispatcher();
    final List<String> accessLog = new ArrayList<>();
    final EmbeddedChannel server = new EmbeddedChannel();
    final EmbeddedChannel client = new EmbeddedChannel();
    final Http2ConnectionHandler clientHandler;
    final Map<Integer, Received> streams = new HashMap<>();
    Long goAway;
    /** The SETTINGS the server sent. */
    Http2Settings serverSettings;
    int goAwayLastStream = -1;

    Http2TestPair() {
        this(Http1Config.DEFAULT, Http2Config.DEFAULT, new Http2Settings());
    }

    Http2TestPair(Http1Config http1, Http2Config http2, Http2Settings clientSettings) {
        this(http1, http2, WebSocketConfig.DEFAULT, clientSettings);
    }

    Http2TestPair(Http1Config http1, Http2Config http2, WebSocketConfig webSocket, Http2Settings clientSettings) {
        server.freezeTime();
        ServerInitializer.configureCleartext(server.pipeline(), http1, http2, webSocket, dispatcher, accessLog::add);
        clientHandler = new Http2ConnectionHandlerBuilder()
                .server(false)
                .initialSettings(clientSettings)
                .frameListener(new Recorder())
                .build();
        client.pipeline().addLast(clientHandler);
        exchange();
    }

    private final class Recorder extends Http2FrameAdapter {
        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding,
                                  boolean endOfStream) {
            Received r = stream(streamId);
            r.heads.add(headers);
            r.ended |= endOfStream;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, headers, padding, endOfStream);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            Received r = stream(streamId);
            r.body.append(data.toString(StandardCharsets.ISO_8859_1));
            r.ended |= endOfStream;
            return autoConsume ? data.readableBytes() + padding : padding;
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            stream(streamId).reset = errorCode;
        }

        @Override
        public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) {
            serverSettings = settings;
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            goAway = errorCode;
            goAwayLastStream = lastStreamId;
        }
    }

    /** Whether the client returns window for what it receives at once (else the test does). */
    boolean autoConsume = true;

    Received stream(int id) {
        return streams.computeIfAbsent(id, k -> new Received());
    }

    ChannelHandlerContext clientCtx() {
        return client.pipeline().context(clientHandler);
    }

    /** Carries bytes both ways until neither side has more to say. */
    void exchange() {
        for (int round = 0; round < 100; round++) {
            server.runPendingTasks();
            client.runPendingTasks();
            boolean moved = false;
            ByteBuf b;
            // everything the client wrote arrives as one read, as from one socket read
            io.netty.buffer.CompositeByteBuf burst = Unpooled.compositeBuffer();
            while ((b = client.readOutbound()) != null) {
                moved = true;
                burst.addComponent(true, b);
            }
            if (burst.isReadable() && server.isOpen()) {
                server.writeInbound(burst);
            } else {
                burst.release();
            }
            server.runPendingTasks();
            while ((b = server.readOutbound()) != null) {
                moved = true;
                if (client.isOpen()) {
                    client.writeInbound(b);
                } else {
                    b.release();
                }
            }
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the two sides never went quiet");
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).scheme("http").path(path).authority("example.test");
    }

    /** Sends a request head; returns its stream id. */
    int send(Http2Headers headers, boolean end) {
        int id = clientHandler.connection().local().incrementAndGetNextStreamId();
        clientHandler.encoder().writeHeaders(clientCtx(), id, headers, 0, end, clientCtx().newPromise());
        clientHandler.flush(clientCtx());
        exchange();
        return id;
    }

    void data(int id, byte[] bytes, boolean end) {
        data(id, new String(bytes, StandardCharsets.ISO_8859_1), end);
    }

    void data(int id, String text, boolean end) {
        ByteBuf b = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        clientHandler.encoder().writeData(clientCtx(), id, b, 0, end, clientCtx().newPromise());
        clientHandler.flush(clientCtx());
        exchange();
    }

    void trailers(int id, Http2Headers trailers) {
        clientHandler.encoder().writeHeaders(clientCtx(), id, trailers, 0, true, clientCtx().newPromise());
        clientHandler.flush(clientCtx());
        exchange();
    }

    void reset(int id, long code) {
        clientHandler.resetStream(clientCtx(), id, code, clientCtx().newPromise());
        clientHandler.flush(clientCtx());
        exchange();
    }

    /** How much more the client may send on stream {@code id} now. */
    int clientWindow(int id) throws Http2Exception {
        return clientHandler.encoder().flowController().windowSize(clientHandler.connection().stream(id));
    }

    void close() {
        client.finishAndReleaseAll();
        server.finishAndReleaseAll();
    }
}
