package org.wsging.http2;

import io.netty.util.AsciiString;
import java.util.List;
import org.wsging.exchange.Header;
import org.wsging.websocket.HandshakeValidator;

/**
 * The opening handshake of WebSocket over HTTP/2 (RFC 8441 sections 4 and 5; spec 9.1): an
 * extended CONNECT whose {@code :protocol} is {@code websocket}, with {@code :scheme},
 * {@code :path} and {@code :authority} (checked with the other pseudo-header fields), and one
 * {@code sec-websocket-version: 13}. It has no {@code sec-websocket-key} and no
 * {@code upgrade}/{@code connection} (HTTP/2 carries neither).
 *
 * <p>Refusals, answered by the server without calling the application: another {@code :protocol}
 * is 501 (RFC 9110 §15.6.2: the server does not support what the request asks for; RFC 8441
 * names no status, and a plain CONNECT gets 501 too); another version is 426 with
 * {@code sec-websocket-version: 13} (RFC 6455 section 4.4); a HEADERS that ends the stream is 400,
 * as the stream is what would carry the session.
 */
final class Http2WebSocketOffer {
    static final String WEBSOCKET = "websocket";
    private static final AsciiString SEC_WEBSOCKET_VERSION = AsciiString.cached("sec-websocket-version");

    /** Why an extended CONNECT is refused: its status, one line for the client, fields to add. */
    record Refusal(int status, String detail, List<Header> fields) {}

    private Http2WebSocketOffer() {}

    /** Whether the request is an extended CONNECT for WebSocket (valid or not). */
    static boolean isWebSocket(Http2RequestFields fields) {
        return fields.protocol() != null && fields.protocol().equalsIgnoreCase(WEBSOCKET);
    }

    /** The refusal an extended CONNECT gets, or null for a valid WebSocket offer. */
    static Refusal check(Http2RequestFields fields, boolean endOfStream) {
        if (!isWebSocket(fields)) {
            return new Refusal(501, "extended CONNECT for \"" + fields.protocol() + "\" is not implemented", List.of());
        }
        if (endOfStream) {
            return new Refusal(400, "a WebSocket extended CONNECT must leave its stream open", List.of());
        }
        String version = null;
        int versions = 0;
        for (Header h : fields.headers()) {
            if (AsciiString.contentEquals(h.name(), SEC_WEBSOCKET_VERSION)) {
                versions++;
                version = h.value().toString().trim();
            }
        }
        if (versions != 1 || !version.equals(HandshakeValidator.VERSION)) {
            return new Refusal(426, "WebSocket version 13 only",
                    List.of(new Header(SEC_WEBSOCKET_VERSION, HandshakeValidator.VERSION)));
        }
        return null;
    }
}
