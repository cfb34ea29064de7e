package org.wsging.http1;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;

/**
 * Netty's response encoder, told which responses answer HEAD: those carry the headers a GET would
 * (Content-Length, Transfer-Encoding) but never a body (RFC 9110 §9.3.2).
 */
final class Http1ResponseEncoder extends HttpResponseEncoder {

    /** One entry per decoded request, oldest first: was it HEAD? Responses come in request order. */
    private final ArrayDeque<Boolean> headRequests = new ArrayDeque<>();

    void requestDecoded(boolean isHead) {
        headRequests.add(isHead);
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse msg) {
        if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            // 1xx responses precede the final one and answer no request of their own.
            return super.isContentAlwaysEmpty(msg);
        }
        Boolean head = headRequests.poll();
        return (head != null && head) || super.isContentAlwaysEmpty(msg);
    }
}
