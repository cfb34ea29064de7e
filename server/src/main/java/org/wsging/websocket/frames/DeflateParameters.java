package org.wsging.websocket.frames;

/**
 * The accepted permessage-deflate parameters (RFC 7692 §7.1), exactly as the handshake response
 * names them.
 *
 * @param serverNoContextTakeover the server resets its compressor after each message
 * @param clientNoContextTakeover the client resets its compressor after each message (the server
 *                                then resets its decompressor too)
 * @param serverMaxWindowBits     the server_max_window_bits value the response names, or 0 when it
 *                                names none; either way the server's window is 15 bits, the only
 *                                size {@code java.util.zip.Deflater} has, so only 0 and 15 are valid
 * @param clientMaxWindowBits     the client_max_window_bits value the response names (8-15), or 0
 *                                when it names none (the client may use up to 15 bits, which the
 *                                server's 15-bit decompressor reads)
 */
public record DeflateParameters(boolean serverNoContextTakeover, boolean clientNoContextTakeover,
                                int serverMaxWindowBits, int clientMaxWindowBits) {

    static final String EXTENSION_NAME = "permessage-deflate";

    public DeflateParameters {
        if (serverMaxWindowBits != 0 && serverMaxWindowBits != 15) {
            throw new IllegalArgumentException("server_max_window_bits " + serverMaxWindowBits
                    + ": this server compresses with a 15-bit window only");
        }
        if (clientMaxWindowBits != 0 && (clientMaxWindowBits < 8 || clientMaxWindowBits > 15)) {
            throw new IllegalArgumentException("client_max_window_bits " + clientMaxWindowBits
                    + " is not in 8-15");
        }
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
