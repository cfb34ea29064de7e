package org.wsging.websocket.frames;

/**
 * The accepted permessage-deflate parameters (RFC 7692 §7.1), exactly as the handshake response
 * names them.
 *
 * @param serverNoContextTakeover the server resets its compressor after each message
 * @param clientNoContextTakeover the client resets its compressor after each message (the server
 *                                then resets its decompressor too)
 * @param serverMaxWindowBits     the server_max_window_bits value the response names (8-15), or 0
 *                                when it names none; below 15 the server sends stored blocks only
 *                                ({@link #storedBlocksOnly})
 * @param clientMaxWindowBits     the client_max_window_bits value the response names (8-15), or 0
 *                                when it names none (the client may use up to 15 bits, which the
 *                                server's 15-bit decompressor reads)
 */
public record DeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                                int serverMaxWindowBits, int clientMaxWindowBits) {

    static final String EXTENSION_NAME = "permessage-deflate";

    public DeflateParameters {
        if (serverMaxWindowBits != 0 && (serverMaxWindowBits < 8 || serverMaxWindowBits > 15)) {
            throw new IllegalArgumentException("server_max_window_bits " + serverMaxWindowBits
                    + " is not in 8-15");
        }
        if (clientMaxWindowBits != 0 && (clientMaxWindowBits < 8 || clientMaxWindowBits > 15)) {
            throw new IllegalArgumentException("client_max_window_bits " + clientMaxWindowBits
                    + " is not in 8-15");
        }
    }

    /**
     * Whether the server's messages must be DEFLATE stored blocks: the client limited the server's
     * window below 15 bits, and {@code java.util.zip.Deflater} compresses with a 15-bit window
     * only. Stored blocks refer to no earlier bytes, so they keep any window limit (RFC 7692
     * §7.1.2.1), at the cost of no compression for such a client's messages.
     */
    public boolean storedBlocksOnly() {
        return serverMaxWindowBits != 0 && serverMaxWindowBits < 15;
    }

    /** The Sec-WebSocket-Extensions value of the handshake response that accepts these. */
    public String responseHeaderValue() {
        StringBuilder value = new StringBuilder(EXTENSION_NAME);
        if (serverNoContextTakeover) {
            value.append("; server_no_context_takeover");
        }
        if (clientNoContextTakeover) {
            value.append("; client_no_context_takeover");
        }
        if (serverMaxWindowBits != 0) {
            value.append("; server_max_window_bits=").append(serverMaxWindowBits);
        }
        if (clientMaxWindowBits != 0) {
            value.append("; client_max_window_bits=").append(clientMaxWindowBits);
        }
        return value.toString();
    }
}
