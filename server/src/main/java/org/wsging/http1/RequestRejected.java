package org.wsging.http1;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import org.wsging.exchange.Header;

/**
 * A request the front end refuses before (or while) it reaches the application: the status to
 * answer with and a short reason for the client. Passed down the pipeline as a message so that
 * {@link Http1ExchangeHandler} answers it in request order (pipelining). The scope is always the
 * connection: after a rejected request the byte stream can't be trusted, so the answer carries
 * {@code Connection: close} and the connection is closed.
 *
 * @param status  HTTP status, 4xx
 * @param detail  one line for the text/plain body, never a stack trace
 * @param method  request method for the access log, or "-" when none was parsed
 * @param target  request target for the access log, or "-"
 * @param version protocol version for the access log, or "-"
 * @param headers fields the answer carries besides its own (426's {@code Sec-WebSocket-Version})
 */
public record RequestRejected(HttpResponseStatus status, String detail, String method, String target, String version,
                              List<Header> headers) {

    public RequestRejected {
        headers = List.copyOf(headers);
    }

    public RequestRejected(HttpResponseStatus status, String detail, String method, String target, String version) {
        this(status, detail, method, target, version, List.of());
    }

    /** This rejection, answered with {@code extra} fields as well. */
    RequestRejected withHeaders(List<Header> extra) {
        return new RequestRejected(status, detail, method, target, version, extra);
    }

    static RequestRejected of(HttpResponseStatus status, String detail, HttpRequest request) {
        if (request == null) {
            return new RequestRejected(status, detail, "-", "-", "-");
        }
        return new RequestRejected(status, detail, request.method().name(), request.uri(),
                request.protocolVersion().text());
    }

    static RequestRejected of(HttpResponseStatus status, String detail) {
        return of(status, detail, null);
    }
}
