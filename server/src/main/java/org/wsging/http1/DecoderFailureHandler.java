package org.wsging.http1;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.InvalidChunkExtensionException;
import io.netty.handler.codec.http.InvalidChunkTerminationException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;

/**
 * Turns what the codec could not parse into a rejection: a request line over the limit is 414
 * (RFC 9112 §3), a header section over the limit is 431 (RFC 6585 §5), anything else malformed
 * (bad framing headers, invalid names or values, bad chunk sizes) is 400, with a fixed text.
 */
final class DecoderFailureHandler extends RequestGuard {

    private static final System.Logger LOG = System.getLogger(DecoderFailureHandler.class.getName());

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
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "wsging: malformed request: " + describe(cause));
        }
        return RequestRejected.of(HttpResponseStatus.BAD_REQUEST, clientText(cause), request);
    }

    /**
     * What the client is told: a fixed text chosen by the kind of fault. Netty's messages quote
     * the offending input ({@code invalid version format: <script>...}), and an error page that
     * reflects what the client sent is a cross-site scripting vector; the detail goes to the
     * debug log instead. The scanners' own messages are fixed texts (at most a byte's hex code).
     */
    static String clientText(Throwable cause) {
        if (cause instanceof MalformedRequestException) {
            return describe(cause);
        }
        if (cause instanceof NumberFormatException || cause instanceof InvalidChunkExtensionException
                || cause instanceof InvalidChunkTerminationException) {
            return "invalid chunked body";
        }
        return "malformed request";
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
