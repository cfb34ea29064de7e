package org.wsging.http1;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Request bodies larger than the limit are 413 (RFC 9110 §15.5.14): at once when Content-Length
 * says so, or as soon as the bytes of a chunked body pass it.
 */
final class BodySizeLimitHandler extends RequestGuard {

    private final long maxBodySize;
    private HttpRequest request;
    private long received;

    BodySizeLimitHandler(long maxBodySize) {
        this.maxBodySize = maxBodySize;
    }

    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        this.request = request;
        this.received = 0;
        String length = request.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > maxBodySize) {
                    return tooLarge();
                }
            } catch (NumberFormatException e) {
                // the codec validated it; a number too long for a long is too large anyway
                return tooLarge();
            }
        }
        return null;
    }

    @Override
    protected RequestRejected checkContent(HttpContent content) {
        received += content.content().readableBytes();
        return received > maxBodySize ? tooLarge() : null;
    }

    private RequestRejected tooLarge() {
        return RequestRejected.of(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
                "request body larger than " + maxBodySize + " bytes", request);
    }
}
