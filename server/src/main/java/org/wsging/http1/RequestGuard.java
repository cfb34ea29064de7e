package org.wsging.http1;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * Base of the small inbound handlers that each check one thing about requests. A guard that
 * refuses a request replaces it with a {@link RequestRejected} and drops everything the
 * connection sends after it, since the connection is closed once the refusal is answered.
 */
abstract class RequestGuard extends ChannelInboundHandlerAdapter {

    private boolean rejected;

    /** @return a rejection, or null to let the head through */
    protected abstract RequestRejected checkHead(HttpRequest request);

    /** @return a rejection, or null to let the body piece through */
    protected RequestRejected checkContent(HttpContent content) {
        return null;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (rejected) {
            ReferenceCountUtil.release(msg);
            return;
        }
        RequestRejected rejection = null;
        if (msg instanceof HttpRequest request) {
            rejection = checkHead(request);
        }
        if (rejection == null && msg instanceof HttpContent content) {
            rejection = checkContent(content);
        }
        if (rejection != null) {
            rejected = true;
            ReferenceCountUtil.release(msg);
            ctx.fireChannelRead(rejection);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public boolean isSharable() {
        return false;
    }
}
