package org.wsging.exchange;

import java.util.List;

/**
 * The application's acceptance of a WebSocket offer (spec 9.3; the worker link's WS_ACCEPT), in
 * place of a response: the front end answers the handshake with it.
 *
 * @param compression    the application allows permessage-deflate, when the client offered it
 * @param maxMessageSize largest incoming message in bytes, after decompression (at least 1)
 * @param subprotocol    the chosen subprotocol, or null for none
 * @param headers        extra fields for the handshake response
 */
public record WebSocketAccept(boolean compression, long maxMessageSize, String subprotocol, List<Header> headers) {
    public WebSocketAccept {
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("max message size below 1: " + maxMessageSize);
        }
        headers = List.copyOf(headers);
    }
}
