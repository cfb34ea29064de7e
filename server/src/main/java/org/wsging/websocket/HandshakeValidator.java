package org.wsging.websocket;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.Base64;
import java.util.List;
import org.wsging.exchange.Header;

/**
 * The opening handshake of RFC 6455 section 4.2.1 on HTTP/1.1 (spec 9.1). A request with
 * {@code Upgrade: websocket} and the token {@code upgrade} in {@code Connection} is an offer;
 * without both it is an ordinary request. A malformed offer is answered by the server and never
 * reaches the application: 400 for another version than HTTP/1.1, a method other than GET, a
 * body, or a missing or malformed {@code Sec-WebSocket-Key}; 426 with
 * {@code Sec-WebSocket-Version: 13} for another (or no) version (RFC 6455 section 4.4).
 */
public final class HandshakeValidator {
    /** The WebSocket version this server speaks (RFC 6455 section 4.1). */
    public static final String VERSION = "13";
    private static final String WEBSOCKET = "websocket";
    private static final int KEY_BYTES = 16;

    /** Why an offer is refused: the status, one line for the client, and fields to add. */
    public record Refusal(HttpResponseStatus status, String detail, List<Header> headers) {}

    private HandshakeValidator() {}

    /** Whether the request asks for a WebSocket (valid or not). */
    public static boolean isOffer(HttpHeaders headers) {
        return headers.contains(HttpHeaderNames.UPGRADE) && hasToken(headers, HttpHeaderNames.UPGRADE, WEBSOCKET)
                && hasToken(headers, HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE.toString());
    }

    /** The refusal a malformed offer gets, or null for a valid offer or a request that is none. */
    public static Refusal check(HttpRequest request) {
        HttpHeaders h = request.headers();
        if (!isOffer(h)) {
            return null;
        }
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
            return badRequest("a WebSocket handshake needs HTTP/1.1");
        }
        if (!HttpMethod.GET.equals(request.method())) {
            return badRequest("a WebSocket handshake is a GET");
        }
        if (h.contains(HttpHeaderNames.TRANSFER_ENCODING) || contentLength(h) != 0) {
            return badRequest("a WebSocket handshake has no body");
        }
        List<String> versions = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_VERSION);
        if (versions.size() != 1 || !versions.get(0).trim().equals(VERSION)) {
            return new Refusal(HttpResponseStatus.UPGRADE_REQUIRED, "WebSocket version 13 only",
                    List.of(new Header(HttpHeaderNames.SEC_WEBSOCKET_VERSION, VERSION)));
        }
        List<String> keys = h.getAll(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (keys.size() != 1 || !validKey(keys.get(0).trim())) {
            return badRequest("missing or malformed Sec-WebSocket-Key");
        }
        return null;
    }

    /** RFC 6455 section 4.1: the base64 of 16 bytes, so 24 characters ending in "==". */
    static boolean validKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return Base64.getDecoder().decode(key).length == KEY_BYTES;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The Content-Length, 0 when absent, -1 when it is not one number (the codec refused worse). */
    private static long contentLength(HttpHeaders h) {
        String value = h.get(HttpHeaderNames.CONTENT_LENGTH);
        if (value == null) {
            return 0;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static Refusal badRequest(String detail) {
        return new Refusal(HttpResponseStatus.BAD_REQUEST, detail, List.of());
    }

    /** Whether a comma-separated field (all its lines) lists {@code token}, without regard to case. */
    static boolean hasToken(HttpHeaders headers, CharSequence name, String token) {
        for (String value : headers.getAll(name)) {
            for (String part : value.split(",")) {
                if (part.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
        }
        return false;
    }
}
