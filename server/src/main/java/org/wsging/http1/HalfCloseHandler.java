package org.wsging.http1;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * What the end of a client's input means on an HTTP/1.x connection whose channel allows half
 * closure ({@code ChannelOption.ALLOW_HALF_CLOSURE}, set by the pipeline's initializer).
 *
 * <p>A client that shuts down its sending side (TCP FIN, {@code shutdown(SHUT_WR)}) once its
 * requests are complete says it sends no more requests; it may still read. RFC 9112 §9.6 lets a
 * client close its side after sending "Connection: close" and expects the response anyway, and
 * §9.3.2 has a server answer every complete pipelined request before closing. So:
 * <ul>
 *   <li>input ends while a request is still arriving (its head or body incomplete): the request
 *       cannot complete, the client is gone; the connection is closed, which ends the exchange as
 *       any other disconnect does;</li>
 *   <li>input ends with no request unanswered: nothing is left to do; the connection is closed;</li>
 *   <li>input ends after complete requests whose responses are not all written: the responses are
 *       still sent, in order, and the connection is closed once the last one is written;</li>
 *   <li>except when input ends while the response to the only unanswered request is already
 *       being written (its final head is out): TCP cannot tell a half-close from a full close,
 *       and a client that half-closes does so once its requests are sent, not in the middle of
 *       the answer it reads; one that leaves while a response streams (a browser closing a
 *       server-sent-events page) has gone, and the application must learn it at once
 *       (spec 11.1) instead of when it next writes.</li>
 * </ul>
 *
 * <p>It sits between the codec and the handlers after it, so it sees every decoded request and
 * every response message written by any later handler (error answers included). A response is
 * finished by the {@link LastHttpContent} of a final (2xx-5xx) response; informational 1xx
 * responses (100 Continue, 103 Early Hints) precede the final one and do not count.
 */
public final class HalfCloseHandler extends ChannelDuplexHandler {

    /** Requests whose head arrived and whose final response is not completely written. */
    private int unanswered;
    /** The latest request's head arrived and its body has not ended yet. */
    private boolean requestOpen;
    private final FinalResponseEnd finalResponseEnd = new FinalResponseEnd();
    private boolean inputShutdown;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            unanswered++;
            requestOpen = true;
        }
        if (msg instanceof LastHttpContent) {
            requestOpen = false;
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            inputShutdown = true;
            if (requestOpen || unanswered == 0 || (unanswered == 1 && finalResponseEnd.open())) {
                ctx.close();
                return;
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (!finalResponseEnd.endedBy(msg)) {
            ctx.write(msg, promise);
            return;
        }
        // An answer to no request (408 for a head that never completed) answers nothing.
        if (unanswered > 0) {
            unanswered--;
        }
        if (!inputShutdown || unanswered > 0) {
            ctx.write(msg, promise);
            return;
        }
        // The answer to the client's last request: close once it is out (the flush that sends
        // it comes from the handler that wrote it).
        ChannelPromise written = promise.unvoid();
        ctx.write(msg, written);
        written.addListener(f -> ctx.close());
    }
}
