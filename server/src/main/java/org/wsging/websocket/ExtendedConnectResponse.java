package org.wsging.websocket;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.Header;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.websocket.frames.DeflateParameters;
import org.wsging.websocket.frames.FrameSettings;
import org.wsging.websocket.frames.PermessageDeflate;

/**
 * The server's answer to an accepted offer made by extended CONNECT (RFC 8441 section 5; spec 9.3
 * and A.2 WS_ACCEPT): status 200 with the chosen {@code sec-websocket-protocol}, the negotiated
 * {@code sec-websocket-extensions} and then the application's extra fields; no
 * {@code sec-websocket-accept}, as the stream itself is the proof of the handshake. The status and
 * the transport's own fields are the front end's to add.
 *
 * @param fields     the response fields, without the status
 * @param extensions the sec-websocket-extensions value it carries ("" for none): WS_OPEN's payload
 * @param frames     what the frame layer enforces for this session
 */
public record ExtendedConnectResponse(List<Header> fields, String extensions, FrameSettings frames) {
    private static final AsciiString SEC_WEBSOCKET_PROTOCOL = AsciiString.cached("sec-websocket-protocol");
    private static final AsciiString SEC_WEBSOCKET_EXTENSIONS = AsciiString.cached("sec-websocket-extensions");

    public ExtendedConnectResponse {
        fields = List.copyOf(fields);
    }

    /**
     * The answer for {@code offer} accepted by {@code accept}.
     *
     * @throws HandshakeResponse.InvalidAcceptance for a subprotocol the client did not offer; the
     *                                             extra fields are checked as the front end writes them
     */
    public static ExtendedConnectResponse of(Offer offer, WebSocketAccept accept)
            throws HandshakeResponse.InvalidAcceptance {
        String subprotocol = accept.subprotocol();
        if (subprotocol != null && !offer.subprotocols().contains(subprotocol)) {
            throw new HandshakeResponse.InvalidAcceptance("the application chose subprotocol '" + subprotocol
                    + "', which the client did not offer");
        }
        DeflateParameters deflate = accept.compression() ? PermessageDeflate.negotiate(offer.extensions()) : null;
        String extensions = deflate == null ? "" : deflate.responseHeaderValue();
        List<Header> fields = new ArrayList<>(accept.headers().size() + 2);
        if (subprotocol != null) {
            fields.add(new Header(SEC_WEBSOCKET_PROTOCOL, subprotocol));
        }
        if (!extensions.isEmpty()) {
            fields.add(new Header(SEC_WEBSOCKET_EXTENSIONS, extensions));
        }
        for (Header extra : accept.headers()) {
            if (!HandshakeResponse.SERVER_FIELDS.contains(AsciiString.of(extra.name()).toLowerCase())) {
                fields.add(extra);
            }
        }
        return new ExtendedConnectResponse(fields, extensions,
                new FrameSettings(accept.maxMessageSize(), HandshakeResponse.MAX_PIECE, deflate));
    }
}
