package org.wsging.exchange;

import java.net.InetSocketAddress;
import java.util.List;
import org.wsging.tls.TlsFacts;

/**
 * A request head as every protocol front end (HTTP/1.1 now, HTTP/2 and HTTP/3 later) hands it to
 * the worker link. Protocol-neutral: it is exactly the REQUEST frame of spec A.2.
 *
 * @param rawPath       the target's path bytes as received, before '?' (ISO-8859-1 chars)
 * @param rawQuery      the bytes after the first '?', empty when absent
 * @param client        remote address, or null when unknown
 * @param server        local address, or null when unknown
 * @param contentLength body length when known in advance, -1 otherwise
 * @param capabilities  {@link Capabilities} bits for this request
 * @param hasBody       false when the request has no body at all (REQUEST carries END_STREAM)
 * @param expectContinue the client sent {@code Expect: 100-continue}
 * @param tls           the connection's TLS facts (the TLS frame of spec A.2), or null in clear text
 * @param pushed        the server made this request for a push (spec 8.5; REQUEST flag PUSHED)
 * @param websocket     a valid WebSocket offer (spec 9.1; REQUEST flag WEBSOCKET): it has no body
 */
public record RequestHead(
        HttpVersion version,
        String scheme,
        String method,
        String rawPath,
        String rawQuery,
        InetSocketAddress client,
        InetSocketAddress server,
        long contentLength,
        int capabilities,
        List<Header> headers,
        boolean hasBody,
        boolean expectContinue,
        TlsFacts tls,
        boolean pushed,
        boolean websocket) {

    public RequestHead {
        if (websocket && hasBody) {
            throw new IllegalArgumentException("a WebSocket offer has no body");
        }
    }

    /** A request that is not a WebSocket offer. */
    public RequestHead(HttpVersion version, String scheme, String method, String rawPath, String rawQuery,
            InetSocketAddress client, InetSocketAddress server, long contentLength, int capabilities,
            List<Header> headers, boolean hasBody, boolean expectContinue, TlsFacts tls, boolean pushed) {
        this(version, scheme, method, rawPath, rawQuery, client, server, contentLength, capabilities, headers,
                hasBody, expectContinue, tls, pushed, false);
    }

    /** A request a client sent (not pushed) on a cleartext connection. */
    public RequestHead(HttpVersion version, String scheme, String method, String rawPath, String rawQuery,
            InetSocketAddress client, InetSocketAddress server, long contentLength, int capabilities,
            List<Header> headers, boolean hasBody, boolean expectContinue) {
        this(version, scheme, method, rawPath, rawQuery, client, server, contentLength, capabilities, headers,
                hasBody, expectContinue, null, false, false);
    }

    /** This head with other capability bits (a worker link clears those its worker cannot use). */
    public RequestHead withCapabilities(int bits) {
        return bits == capabilities ? this : new RequestHead(version, scheme, method, rawPath, rawQuery, client,
                server, contentLength, bits, headers, hasBody, expectContinue, tls, pushed, websocket);
    }
}
