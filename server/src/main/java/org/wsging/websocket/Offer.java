package org.wsging.websocket;

import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.Header;

/**
 * What a valid offer asks for, read from its request fields (names compared without case, so
 * HTTP/1.1 and HTTP/2 fields alike): the client's key, the subprotocols it offers in its order,
 * and its Sec-WebSocket-Extensions field values as received. An extended CONNECT (RFC 8441
 * section 5) has no key: {@link #ofExtendedConnect}.
 *
 * @param key the Sec-WebSocket-Key of an HTTP/1.1 offer, null for an extended CONNECT
 */
public record Offer(String key, List<String> subprotocols, List<String> extensions) {
    static final AsciiString SEC_WEBSOCKET_KEY = AsciiString.cached("sec-websocket-key");
    static final AsciiString SEC_WEBSOCKET_PROTOCOL = AsciiString.cached("sec-websocket-protocol");
    static final AsciiString SEC_WEBSOCKET_EXTENSIONS = AsciiString.cached("sec-websocket-extensions");

    public Offer {
        subprotocols = List.copyOf(subprotocols);
        extensions = List.copyOf(extensions);
    }

    /** The offer in {@code headers}, which passed the handshake's validation. */
    public static Offer of(List<Header> headers) {
        Offer offer = read(headers);
        if (offer.key() == null) {
            throw new IllegalArgumentException("an offer without Sec-WebSocket-Key");
        }
        return offer;
    }

    /** The offer of an extended CONNECT (RFC 8441 section 5), which carries no key. */
    public static Offer ofExtendedConnect(List<Header> headers) {
        Offer offer = read(headers);
        return offer.key() == null ? offer : new Offer(null, offer.subprotocols(), offer.extensions());
    }

    private static Offer read(List<Header> headers) {
        String key = null;
        List<String> subprotocols = new ArrayList<>();
        List<String> extensions = new ArrayList<>();
        for (Header h : headers) {
            CharSequence name = h.name();
            if (AsciiString.contentEqualsIgnoreCase(name, SEC_WEBSOCKET_KEY)) {
                key = h.value().toString().trim();
            } else if (AsciiString.contentEqualsIgnoreCase(name, SEC_WEBSOCKET_PROTOCOL)) {
                for (String token : h.value().toString().split(",")) {
                    String t = token.trim();
                    if (!t.isEmpty()) {
                        subprotocols.add(t);
                    }
                }
            } else if (AsciiString.contentEqualsIgnoreCase(name, SEC_WEBSOCKET_EXTENSIONS)) {
                extensions.add(h.value().toString());
            }
        }
        return new Offer(key, subprotocols, extensions);
    }
}
