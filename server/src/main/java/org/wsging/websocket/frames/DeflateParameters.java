package org.wsging.websocket.frames;

/** The accepted permessage-deflate parameters (RFC 7692 section 7.1). */
public record DeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                                int serverMaxWindowBits, int clientMaxWindowBits) {

    /** The Sec-WebSocket-Extensions value of the handshake response. */
    public String responseHeaderValue() {
        StringBuilder b = new StringBuilder("permessage-deflate");
        if (serverNoContextTakeover) {
            b.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            b.append("; client_no_context_takeover");
        }
        if (serverMaxWindowBits < 15) {
            b.append("; server_max_window_bits=").append(serverMaxWindowBits);
        }
        if (clientMaxWindowBits < 15) {
            b.append("; client_max_window_bits=").append(clientMaxWindowBits);
        }
        return b.toString();
    }
}
