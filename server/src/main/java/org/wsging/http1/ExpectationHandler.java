package org.wsging.http1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * {@code Expect} (RFC 9110 §10.1.1): {@code 100-continue} is the only expectation defined; any
 * other is answered 417. HTTP/1.0 requests' expectations are ignored, as the RFC requires. The
 * {@code 100 Continue} itself is sent by {@link Http1ExchangeHandler} when the application first
 * asks for the body, or before a final head that leaves ahead of the rest of its response.
 */
final class ExpectationHandler extends RequestGuard {

    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return null;
        }
        for (String value : request.headers().getAll(HttpHeaderNames.EXPECT)) {
            if (!HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(value.trim())) {
                // A fixed text: the value is the client's, never reflected (see DecoderFailureHandler).
                return RequestRejected.of(HttpResponseStatus.EXPECTATION_FAILED, "unsupported expectation", request);
            }
        }
        return null;
    }
}
