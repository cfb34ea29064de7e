package org.wsging.http1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
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
        if (problem != null) {
            HttpResponseStatus status = HttpMethod.CONNECT.equals(request.method())
                    ? HttpResponseStatus.NOT_IMPLEMENTED
                    : HttpResponseStatus.BAD_REQUEST;
            return RequestRejected.of(status, problem, request);
        }
        // RFC 9110 §9.1: a method the server does not implement is 501. The worker link carries
        // a method of at most 255 bytes (spec A.2), and no method is that long.
        if (request.method().name().length() > MAX_METHOD_LENGTH) {
            return RequestRejected.of(HttpResponseStatus.NOT_IMPLEMENTED, "method not implemented", request);
        }
        // RFC 9112 §6.1: a transfer coding the server does not understand is 501 (the codec
        // already refused a list whose final coding is not chunked, RFC 9112 §6.3).
        if (request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && !onlyChunked(request.headers())) {
            return RequestRejected.of(HttpResponseStatus.NOT_IMPLEMENTED, "transfer coding not implemented", request);
        }
        // The link carries path and query in 16-bit lengths (spec A.2): a longer one is a target
        // too long to serve (RFC 9110 §15.5.15), whatever the request-line limit allows.
        if (request.uri().length() > MAX_TARGET_PART) {
            RequestTarget target = RequestTarget.parse(request.uri());
            if (target.rawPath().length() > MAX_TARGET_PART || target.rawQuery().length() > MAX_TARGET_PART) {
                return RequestRejected.of(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request target too long", request);
            }
        }
        return null;
    }

    /** Longest method the worker link carries (spec A.2, a u8 length). */
    static final int MAX_METHOD_LENGTH = 255;
    /** Longest path or query the worker link carries (spec A.2, u16 lengths). */
    static final int MAX_TARGET_PART = 0xFFFF;

    /**
     * Whether the Transfer-Encoding fields list exactly one coding, chunked (RFC 9112 §7: names are
     * case-insensitive; RFC 9110 §5.6.1: empty list elements are ignored).
     */
    static boolean onlyChunked(HttpHeaders headers) {
        int codings = 0;
        for (Iterator<? extends CharSequence> it = headers.valueCharSequenceIterator(HttpHeaderNames.TRANSFER_ENCODING);
                it.hasNext(); ) {
            CharSequence value = it.next();
            int start = 0;
            for (int i = 0; i <= value.length(); i++) {
                if (i == value.length() || value.charAt(i) == ',') {
                    CharSequence coding = trim(value, start, i);
                    if (coding.length() > 0) {
                        if (++codings > 1 || !AsciiString.contentEqualsIgnoreCase(coding, HttpHeaderValues.CHUNKED)) {
                            return false;
                        }
                    }
                    start = i + 1;
                }
            }
        }
        return codings == 1;
    }

    private static CharSequence trim(CharSequence s, int start, int end) {
        while (start < end && (s.charAt(start) == ' ' || s.charAt(start) == '\t')) {
            start++;
        }
        while (end > start && (s.charAt(end - 1) == ' ' || s.charAt(end - 1) == '\t')) {
            end--;
        }
        return s.subSequence(start, end);
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
        if (hosts == 1 && !HostSyntax.valid(headers.get(HttpHeaderNames.HOST))) {
            return "invalid Host header";
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
        String targetProblem = RequestTarget.problem(request.method().name(), request.uri());
        if (targetProblem != null) {
            return targetProblem;
        }
        String uri = request.uri();
        if (!uri.isEmpty() && uri.charAt(0) != '/' && !uri.equals("*")) {
            return takeAuthority(request, uri);
        }
        return null;
    }

    /**
     * RFC 9112 §3.2.2: with an absolute-form target the origin server MUST ignore the Host field
     * and use the target's authority, so the application is handed that authority as its Host:
     * what it reads agrees with what a proxy in front routed by. The authority follows the Host
     * syntax; userinfo in it is an error (RFC 9110 §4.2.4).
     *
     * @return why the authority is unusable, or null once it stands in the Host field
     */
    private static String takeAuthority(HttpRequest request, String uri) {
        int start = uri.indexOf("://") + 3;
        int end = start;
        while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?') {
            end++;
        }
        String authority = uri.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            return "userinfo in the request target";
        }
        if (!HostSyntax.valid(authority)) {
            return "invalid authority in the request target";
        }
        request.headers().set(HttpHeaderNames.HOST, authority);
        return null;
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
