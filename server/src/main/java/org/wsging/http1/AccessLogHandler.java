package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.FileRegion;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedInput;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * One line per answered request, in the Combined Log Format with the duration appended (see
 * {@link AccessLogFormat}). Requests are matched with responses in order, which HTTP/1.1
 * guarantees (RFC 9112 §9.3.2).
 */
public final class AccessLogHandler extends ChannelDuplexHandler {

    private record Entry(String method, String target, String version, String referer, String userAgent,
                         long startMillis, long started) {}

    private final Consumer<String> sink;
    private final ArrayDeque<Entry> waiting = new ArrayDeque<>();
    private Entry responding;
    private int status;
    private long bytes;
    private String client = "-";

    public AccessLogHandler(Consumer<String> sink) {
        this.sink = sink;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        SocketAddress remote = ctx.channel().remoteAddress();
        if (remote instanceof InetSocketAddress inet) {
            client = inet.getAddress() != null ? AccessLogFormat.address(inet.getAddress()) : inet.getHostString();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest r) {
            waiting.add(new Entry(r.method().name(), r.uri(), r.protocolVersion().text(),
                    r.headers().get(HttpHeaderNames.REFERER), r.headers().get(HttpHeaderNames.USER_AGENT),
                    System.currentTimeMillis(), System.nanoTime()));
        } else if (msg instanceof RequestRejected r) {
            waiting.add(new Entry(r.method(), r.target(), r.version(), null, null,
                    System.currentTimeMillis(), System.nanoTime()));
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        // A final response, or the 101 that ends the request by turning the connection into a
        // WebSocket session (RFC 6455 section 4.2.2); other 1xx precede a final response.
        if (msg instanceof HttpResponse response && (response.status().code() >= 200
                || response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code())) {
            Entry next = waiting.poll();
            responding = next != null ? next
                    : new Entry("-", "-", "-", null, null, System.currentTimeMillis(), System.nanoTime());
            status = response.status().code();
            bytes = 0;
        }
        if (responding != null && msg instanceof FileRegion region) {
            bytes += region.count(); // a file body, sent by the transport itself
        } else if (responding != null && msg instanceof ChunkedInput<?> file) {
            bytes += file.length(); // a file body read in pieces (TLS)
        } else if (responding != null && msg instanceof HttpContent content) {
            bytes += content.content().readableBytes();
            if (msg instanceof LastHttpContent) {
                log(responding);
                responding = null;
            }
        }
        super.write(ctx, msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (responding != null) {
            log(responding); // aborted mid-response: logged with what was sent
            responding = null;
        }
        super.channelInactive(ctx);
    }

    private void log(Entry e) {
        sink.accept(AccessLogFormat.line(client, e.startMillis, e.method, e.target, e.version, status, bytes,
                e.referer, e.userAgent, System.nanoTime() - e.started));
    }
}
