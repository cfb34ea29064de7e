package org.wsging.websocket;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Set;
import org.wsging.exchange.FieldRules;
import org.wsging.exchange.Header;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.websocket.frames.DeflateParameters;
import org.wsging.websocket.frames.FrameSettings;
import org.wsging.websocket.frames.PermessageDeflate;

/**
 * The server's answer to an accepted offer on HTTP/1.1 (RFC 6455 section 4.2.2; spec 9.3 and A.2
 * WS_ACCEPT): {@code 101 Switching Protocols} with {@code Upgrade}, {@code Connection},
 * {@code Sec-WebSocket-Accept}, the chosen {@code Sec-WebSocket-Protocol}, the negotiated
 * {@code Sec-WebSocket-Extensions}, then the application's extra fields, and the settings the
 * session's frame layer enforces.
 *
 * @param response   the 101 to write
 * @param extensions the Sec-WebSocket-Extensions value it carries ("" for none): WS_OPEN's payload
 * @param frames     what the frame layer enforces for this session
 */
public record HandshakeResponse(FullHttpResponse response, String extensions, FrameSettings frames) {
    /** RFC 6455 section 1.3: appended to the client's key before hashing. */
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** Largest message piece the frame layer hands on; the link splits further at the worker's MAX_FRAME. */
    public static final int MAX_PIECE = 64 * 1024;
    /** Fields the server writes from the acceptance itself; an application's copies are left out. */
    static final Set<AsciiString> SERVER_FIELDS = Set.of(
            AsciiString.cached("upgrade"), AsciiString.cached("connection"), AsciiString.cached("sec-websocket-accept"),
            AsciiString.cached("sec-websocket-protocol"), AsciiString.cached("sec-websocket-extensions"),
            AsciiString.cached("content-length"), AsciiString.cached("transfer-encoding"),
            AsciiString.cached("keep-alive"), AsciiString.cached("proxy-connection"));

    /** The acceptance cannot be answered as it is (spec A.2 stream errors): the offer gets 500. */
    public static final class InvalidAcceptance extends Exception {
        public InvalidAcceptance(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The handshake response for {@code offer} accepted by {@code accept}.
     *
     * @throws InvalidAcceptance for a subprotocol the client did not offer or an extra field
     *                           that cannot be sent (as the validation of any response head)
     */
    public static HandshakeResponse of(Offer offer, WebSocketAccept accept) throws InvalidAcceptance {
        String subprotocol = accept.subprotocol();
        if (subprotocol != null && !offer.subprotocols().contains(subprotocol)) {
            throw new InvalidAcceptance("the application chose subprotocol '" + subprotocol
                    + "', which the client did not offer");
        }
        DeflateParameters deflate = accept.compression() ? PermessageDeflate.negotiate(offer.extensions()) : null;
        String extensions = deflate == null ? "" : deflate.responseHeaderValue();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS, Unpooled.EMPTY_BUFFER,
                DefaultHttpHeadersFactory.headersFactory(), DefaultHttpHeadersFactory.trailersFactory());
        HttpHeaders h = response.headers();
        h.add(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        h.add(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.add(HttpHeaderNames.SEC_WEBSOCKET_ACCEPT, acceptKey(offer.key()));
        if (subprotocol != null) {
            h.add(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, subprotocol);
        }
        if (!extensions.isEmpty()) {
            h.add(HttpHeaderNames.SEC_WEBSOCKET_EXTENSIONS, extensions);
        }
        try {
            for (Header extra : accept.headers()) {
                if (!SERVER_FIELDS.contains(AsciiString.of(extra.name()).toLowerCase())) {
                    h.add(FieldRules.name(extra.name()), FieldRules.value(extra.name(), extra.value()));
                }
            }
        } catch (IllegalArgumentException e) {
            throw new InvalidAcceptance("invalid field in the acceptance: " + e.getMessage());
        }
        return new HandshakeResponse(response, extensions,
                new FrameSettings(accept.maxMessageSize(), MAX_PIECE, deflate));
    }

    /** RFC 6455 section 4.2.2: base64 of the SHA-1 of the key followed by the GUID. */
    public static String acceptKey(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }
}
