package org.wsging.http1;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Turns what the codec could not parse into a rejection: a request line over the limit is 414
 * (RFC 9112 §3), a header section over the limit is 431 (RFC 6585 §5), anything else malformed
 * (bad framing headers, invalid names or values, bad chunk sizes) is 400.
 */
final class DecoderFailureHandler extends RequestGuard {

    private HttpRequest lastRequest;

    @Override
    protected RequestRejected checkHead(HttpRequest request) {
        lastRequest = request;
        return check(request.decoderResult(), request);
    }

    @Override
    protected RequestRejected checkContent(HttpContent content) {
        return check(content.decoderResult(), lastRequest);
    }

    private static RequestRejected check(DecoderResult result, HttpRequest request) {
        if (result.isSuccess()) {
            return null;
        }
        Throwable cause = result.cause();
        if (cause instanceof TooLongHttpLineException) {
            return RequestRejected.of(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long", request);
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return RequestRejected.of(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    "request header section too large", request);
        }
        return RequestRejected.of(HttpResponseStatus.BAD_REQUEST, describe(cause), request);
    }

    /** One printable line from the parser's message (Netty's or ours), without a stack trace. */
    static String describe(Throwable cause) {
        String message = cause instanceof NumberFormatException ? "invalid chunk size" : cause.getMessage();
        if (message == null || message.isBlank()) {
            message = "malformed request";
        }
        StringBuilder clean = new StringBuilder(Math.min(message.length(), 200));
        for (int i = 0; i < message.length() && clean.length() < 200; i++) {
            char c = message.charAt(i);
            clean.append(c < 0x20 || c >= 0x7f ? '?' : c);
        }
        return clean.toString();
    }
}
