package org.wsging.http1;

import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/** More header fields than allowed is 431 (RFC 6585 §5): many small fields cost memory too. */
final class HeaderCountLimitHandler extends RequestGuard {

    private final int maxHeaders;

    HeaderCountLimitHandler(int maxHeaders) {
        this.maxHeaders = maxHeaders;
    }

    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        if (request.headers().size() > maxHeaders) {
            return RequestRejected.of(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "more than " + maxHeaders + " header fields", request);
        }
        return null;
    }
}
