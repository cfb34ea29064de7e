package org.wsging.http2;

import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.wsging.exchange.Header;
import org.wsging.exchange.RequestTarget;

/**
 * The request of one HTTP/2 HEADERS block, checked as RFC 9113 §8.3.1 and §8.2.2 require
 * (Netty's HPACK decoder already refused upper-case names, unknown or repeated pseudo-header
 * fields, pseudo-header fields after regular ones, connection-specific fields and a {@code te}
 * other than "trailers"): what the worker link carries, or why the stream is malformed.
 *
 * @param method    :method
 * @param target    :path as received (path and query)
 * @param authority :authority, or null
 * @param headers   the regular fields in order, a {@code host} added from :authority when absent,
 *                  every {@code cookie} field joined into one (RFC 9113 §8.2.3)
 * @param contentLength the content-length field's value, or -1 without one
 * @param protocol  :protocol of an extended CONNECT (RFC 8441 section 4), or null
 */
record Http2RequestFields(String method, String target, String authority, List<Header> headers,
                          long contentLength, String protocol) {

    Http2RequestFields(String method, String target, String authority, List<Header> headers, long contentLength) {
        this(method, target, authority, headers, contentLength, null);
    }

    private static final AsciiString COOKIE = AsciiString.cached("cookie");
    private static final AsciiString HOST = AsciiString.cached("host");
    private static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    private static final AsciiString COOKIE_SEPARATOR = AsciiString.cached("; ");

    /** A malformed request (RFC 9113 §8.1.1): the stream ends with PROTOCOL_ERROR. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    static Http2RequestFields of(Http2Headers h) throws Malformed {
        CharSequence method = h.method();
        CharSequence scheme = h.scheme();
        CharSequence path = h.path();
        CharSequence authority = h.authority();
        CharSequence protocol = h.get(Http2Headers.PseudoHeaderName.PROTOCOL.value());
        if (method == null || method.length() == 0) {
            throw new Malformed("missing :method");
        }
        boolean connect = AsciiString.contentEquals(method, "CONNECT");
        if (connect && protocol == null) {
            // RFC 9113 §8.5 CONNECT carries neither :scheme nor :path; wsging tunnels nothing.
            throw new Malformed("CONNECT");
        }
        if (protocol != null) {
            // RFC 8441 §4: only on CONNECT, which then has :scheme, :path and :authority
            if (!connect) {
                throw new Malformed(":protocol on a request that is not CONNECT");
            }
            if (protocol.length() == 0) {
                throw new Malformed("empty :protocol");
            }
            if (authority == null || authority.length() == 0) {
                throw new Malformed("extended CONNECT without :authority");
            }
        }
        if (scheme == null || scheme.length() == 0) {
            throw new Malformed("missing :scheme");
        }
        if (path == null || path.length() == 0) {
            throw new Malformed("missing :path");
        }
        String target = path.toString();
        String methodName = method.toString();
        if (RequestTarget.problem(methodName, target) != null || target.charAt(0) != '/' && !target.equals("*")) {
            throw new Malformed("invalid :path");
        }
        List<Header> headers = new ArrayList<>(h.size());
        CharSequence cookie = null;
        int cookieIndex = -1;
        boolean host = false;
        long contentLength = -1;
        for (Map.Entry<CharSequence, CharSequence> e : h) {
            CharSequence name = e.getKey();
            if (name.length() > 0 && name.charAt(0) == ':') {
                continue; // pseudo-header fields are the request line's parts, not fields
            }
            CharSequence value = e.getValue();
            if (AsciiString.contentEquals(name, COOKIE)) {
                if (cookie == null) {
                    cookie = value;
                    cookieIndex = headers.size();
                    headers.add(null); // its place, filled below
                } else {
                    cookie = new StringBuilder(cookie.length() + 2 + value.length())
                            .append(cookie).append(COOKIE_SEPARATOR).append(value);
                }
                continue;
            }
            if (AsciiString.contentEquals(name, HOST)) {
                host = true;
            } else if (AsciiString.contentEquals(name, CONTENT_LENGTH)) {
                contentLength = parseLength(value);
            }
            headers.add(new Header(name, value));
        }
        if (cookie != null) {
            headers.set(cookieIndex, new Header(COOKIE, cookie));
        }
        if (!host && authority != null) {
            // RFC 9113 §8.3.1: :authority stands in for Host, which HTTP/1.1 applications read.
            headers.add(0, new Header(HOST, authority));
        }
        return new Http2RequestFields(methodName, target, authority == null ? null : authority.toString(),
                Collections.unmodifiableList(headers), contentLength, protocol == null ? null : protocol.toString());
    }

    private static long parseLength(CharSequence value) throws Malformed {
        if (value.length() == 0 || value.length() > 18) {
            throw new Malformed("invalid content-length");
        }
        long n = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new Malformed("invalid content-length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }
}
