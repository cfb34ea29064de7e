package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.wsging.connection.HeldInput;
import org.wsging.exchange.Header;

/**
 * The h2c upgrade (RFC 7540 §3.2; RFC 9113 §3.1 keeps the token): an HTTP/1.1 request with
 * {@code Upgrade: h2c}, one {@code HTTP2-Settings} field and both named in {@code Connection} is
 * answered 101, the connection turns to HTTP/2, and the request becomes stream 1, body included.
 * The body is read whole first (at most {@link #MAX_BODY} bytes, with a Content-Length); a
 * request that does not qualify is served on HTTP/1.1 as if it had not asked (RFC 9110 §7.8
 * lets a server ignore Upgrade). Sits behind the HTTP/1.x guards, so the request was checked.
 */
public final class H2cUpgradeHandler extends ChannelInboundHandlerAdapter {

    /** Largest request body an upgrade request may carry; larger ones stay on HTTP/1.1. */
    public static final int MAX_BODY = 64 * 1024;
    private static final AsciiString H2C = AsciiString.cached("h2c");
    private static final AsciiString HTTP2_SETTINGS = AsciiString.cached("http2-settings");

    private final Function<ChannelPipeline, Http2ServerHandler> installHttp2;
    private HttpRequest upgrading;
    private Http2Settings settings;
    private CompositeByteBuf body;

    /** @param installHttp2 adds the HTTP/2 handlers at the end of the pipeline */
    public H2cUpgradeHandler(Function<ChannelPipeline, Http2ServerHandler> installHttp2) {
        this.installHttp2 = installHttp2;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (upgrading != null) {
            if (msg instanceof HttpContent content) {
                body.addComponent(true, content.content().retain());
                boolean last = msg instanceof LastHttpContent;
                ReferenceCountUtil.release(msg);
                if (last) {
                    upgrade(ctx);
                }
            } else {
                ReferenceCountUtil.release(msg); // a rejection of the request being read: cannot be
                abandon(ctx);
            }
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof HttpContent)) {
            Http2Settings s = upgradeSettings(request);
            if (s != null) {
                upgrading = request;
                settings = s;
                body = ctx.alloc().compositeBuffer();
                if (HttpUtil.is100ContinueExpected(request) && HttpUtil.getContentLength(request, 0L) > 0) {
                    // the body is read whole before the 101: a client that expects 100 waits for it
                    ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
                }
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /** The client's settings when {@code request} asks for h2c in a form this server takes; else null. */
    static Http2Settings upgradeSettings(HttpRequest request) {
        HttpHeaders h = request.headers();
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                || !h.containsValue(HttpHeaderNames.UPGRADE, H2C, true)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE, true)
                || !h.containsValue(HttpHeaderNames.CONNECTION, HTTP2_SETTINGS, true)
                || HttpUtil.isTransferEncodingChunked(request)
                || HttpUtil.getContentLength(request, 0L) > MAX_BODY) {
            return null;
        }
        List<String> values = h.getAll(HTTP2_SETTINGS);
        if (values.size() != 1) {
            return null; // RFC 7540 §3.2.1: exactly one
        }
        return decodeSettings(values.get(0).trim());
    }

    /** The SETTINGS payload in base64url (RFC 7540 §3.2.1), or null when it is not one. */
    static Http2Settings decodeSettings(String value) {
        byte[] payload;
        try {
            payload = Base64.getUrlDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (payload.length % 6 != 0) {
            return null;
        }
        Http2Settings s = new Http2Settings();
        for (int i = 0; i < payload.length; i += 6) {
            char id = (char) (((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff));
            long v = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xffL) << 16)
                    | ((payload[i + 4] & 0xffL) << 8) | (payload[i + 5] & 0xffL);
            try {
                s.put(id, Long.valueOf(v));
            } catch (IllegalArgumentException e) {
                return null; // a value out of its range
            }
        }
        return s;
    }

    private void upgrade(ChannelHandlerContext ctx) throws Http2Exception {
        HttpRequest request = upgrading;
        upgrading = null;
        ByteBuf requestBody = body;
        body = null;
        FullHttpResponse switching = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS);
        switching.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
        switching.headers().set(HttpHeaderNames.UPGRADE, H2C);
        ctx.writeAndFlush(switching);
        ChannelPipeline p = ctx.pipeline();
        HeldInput held = Http1Removal.remove(p);
        if (p.context(this) != null) {
            p.remove(this);
        }
        Http2ServerHandler handler = installHttp2.apply(p);
        handler.onHttpServerUpgrade(settings);
        handler.streams().upgraded(fields(request), requestBody);
        held.release(); // the client's preface and frames, if it sent them already
        handler.flush(handler.ctx());
    }

    /** The HTTP/1.1 request in HTTP/2's terms: lower-case names, :authority from Host, the
     * fields that only concerned the upgrade left out. */
    private static Http2RequestFields fields(HttpRequest request) {
        List<Header> headers = new ArrayList<>();
        long length = -1;
        String authority = null;
        var it = request.headers().iteratorCharSequence();
        while (it.hasNext()) {
            Map.Entry<CharSequence, CharSequence> e = it.next();
            String name = e.getKey().toString().toLowerCase(Locale.ROOT);
            if (name.equals("connection") || name.equals("upgrade") || name.equals("http2-settings")
                    || name.equals("keep-alive") || name.equals("proxy-connection") || name.equals("expect")) {
                // (an expectation was met before the upgrade: the whole body is here)
                continue;
            }
            if (name.equals("host") && authority == null) {
                authority = e.getValue().toString();
            }
            if (name.equals("content-length")) {
                length = HttpUtil.getContentLength(request, -1L);
            }
            headers.add(new Header(AsciiString.cached(name), e.getValue()));
        }
        return new Http2RequestFields(request.method().name(), request.uri(), authority, List.copyOf(headers), length);
    }

    private void abandon(ChannelHandlerContext ctx) {
        upgrading = null;
        if (body != null) {
            body.release();
            body = null;
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (body != null) {
            body.release();
            body = null;
        }
    }
}
