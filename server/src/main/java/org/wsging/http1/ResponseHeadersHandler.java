package org.wsging.http1;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.AsciiString;

/** Adds {@code Date} (RFC 9110 §6.6.1: an origin server with a clock must) and {@code Server} to
 * final responses that lack them. */
@ChannelHandler.Sharable
public final class ResponseHeadersHandler extends ChannelOutboundHandlerAdapter {
    public static final ResponseHeadersHandler INSTANCE = new ResponseHeadersHandler();
    static final AsciiString SERVER_NAME = AsciiString.cached("wsging");

    private ResponseHeadersHandler() {}

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            HttpHeaders headers = response.headers();
            // add, not set: they are known to be absent, so there is nothing to remove first
            if (!headers.contains(HttpHeaderNames.DATE)) {
                headers.add(HttpHeaderNames.DATE, HttpDate.now());
            }
            if (!headers.contains(HttpHeaderNames.SERVER)) {
                headers.add(HttpHeaderNames.SERVER, SERVER_NAME);
            }
        }
        ctx.write(msg, promise);
    }
}
