package org.wsging.http1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Iterator;
import org.wsging.exchange.RequestTarget;

/**
 * Semantic checks of a parsed request head that guard against request smuggling and
 * misrouting. The codec already refuses the framing attacks it can see (Content-Length with
 * Transfer-Encoding, differing or repeated Content-Length, a Transfer-Encoding whose final coding
 * is not chunked, Transfer-Encoding on HTTP/1.0); they are checked here again so the pipeline does
 * not depend on a codec setting to stay safe.
 */
final class RequestValidationHandler extends RequestGuard {

    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        if (request.protocolVersion().majorVersion() != 1) {
            // RFC 9110 §15.6.6; HTTP/2 is not spoken on this connection.
            return RequestRejected.of(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "HTTP/1.0 and HTTP/1.1 only", request);
        }
        String problem = problem(request);
        if (problem == null) {
            return null;
        }
        HttpResponseStatus status = HttpMethod.CONNECT.equals(request.method())
                ? HttpResponseStatus.NOT_IMPLEMENTED
                : HttpResponseStatus.BAD_REQUEST;
        return RequestRejected.of(status, problem, request);
    }

    static String problem(HttpRequest request) {
        HttpHeaders headers = request.headers();
        int hosts = count(headers, HttpHeaderNames.HOST);
        // RFC 9112 §3.2: a 1.1 request without Host, or with more than one, is 400.
        if (hosts == 0 && request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return "missing Host header";
        }
        if (hosts > 1) {
            return "more than one Host header";
        }
        // RFC 9112 §6.1: a server may reject both; it is the classic smuggling vector.
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) && headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            return "both Content-Length and Transfer-Encoding";
        }
        if (count(headers, HttpHeaderNames.CONTENT_LENGTH) > 1) {
            return "more than one Content-Length header";
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            return "CONNECT is not supported";
        }
        return RequestTarget.problem(request.method().name(), request.uri());
    }

    /** How many fields named {@code name} there are, counted up to 2 (no list of them is made). */
    private static int count(HttpHeaders headers, CharSequence name) {
        Iterator<? extends CharSequence> values = headers.valueCharSequenceIterator(name);
        int n = 0;
        while (n < 2 && values.hasNext()) {
            values.next();
            n++;
        }
        return n;
    }
}
