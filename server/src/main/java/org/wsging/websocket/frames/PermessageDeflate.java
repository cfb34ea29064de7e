package org.wsging.websocket.frames;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Chooses the permessage-deflate offer to accept (RFC 7692 §5, §7.1): the first one, in the
 * client's order, whose parameters are all known and well-formed and given once. A
 * server_max_window_bits below 15 is honoured with stored blocks ({@link
 * DeflateParameters#storedBlocksOnly}): {@code java.util.zip.Deflater} compresses with a 15-bit
 * window only, and a server may not use a larger window than the client asked for.
 * client_max_window_bits needs nothing from the server (its 15-bit decompressor reads any
 * window), so the response never limits the client. Other extensions are ignored.
 */
public final class PermessageDeflate {

    private static final int MAX_WINDOW_BITS = 15;

    private PermessageDeflate() {
    }

    /**
     * @param offers the values of every Sec-WebSocket-Extensions field of the request, as received
     * @return the accepted parameters, or null when no permessage-deflate offer is acceptable or
     *         the field is malformed (then the session runs without compression; a malformed
     *         extension field never fails the handshake)
     */
    public static DeflateParameters negotiate(List<String> offers) {
        if (offers == null || offers.isEmpty()) {
            return null;
        }
        List<ExtensionOffers.Offer> parsed;
        try {
            parsed = ExtensionOffers.parse(offers);
        } catch (ExtensionOffers.MalformedException e) {
            return null;
        }
        for (ExtensionOffers.Offer offer : parsed) {
            if (offer.name().equalsIgnoreCase(DeflateParameters.EXTENSION_NAME)) {
                DeflateParameters accepted = accept(offer.parameters());
                if (accepted != null) {
                    return accepted;
                }
            }
        }
        return null;
    }

    /** The response to one offer, or null when it must be declined. */
    private static DeflateParameters accept(List<ExtensionOffers.Parameter> parameters) {
        boolean serverNoContextTakeover = false;
        boolean clientNoContextTakeover = false;
        int serverMaxWindowBits = 0;
        Set<String> seen = new HashSet<>();
        for (ExtensionOffers.Parameter parameter : parameters) {
            String name = parameter.name().toLowerCase(Locale.ROOT);
            String value = parameter.value();
            if (!seen.add(name)) {
                return null;   // §7.1: a parameter given twice declines the offer
            }
            switch (name) {
                case "server_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    serverNoContextTakeover = true;
                }
                case "client_no_context_takeover" -> {
                    if (value != null) {
                        return null;
                    }
                    clientNoContextTakeover = true;
                }
                case "server_max_window_bits" -> {
                    int bits = windowBits(value);
                    if (bits < 0) {
                        return null;   // no value, or not 8-15
                    }
                    serverMaxWindowBits = bits;
                }
                case "client_max_window_bits" -> {
                    if (value != null && windowBits(value) < 0) {
                        return null;
                    }
                }
                default -> {
                    return null;   // an unknown parameter declines the offer
                }
            }
        }
        return new DeflateParameters(serverNoContextTakeover, clientNoContextTakeover,
                serverMaxWindowBits, 0);
    }

    /** §7.1.2: a decimal 8-15 without leading zeros; -1 for anything else (or no value). */
    private static int windowBits(String value) {
        if (value == null || value.isEmpty() || value.length() > 2 || value.charAt(0) == '0') {
            return -1;
        }
        int bits = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            bits = bits * 10 + (c - '0');
        }
        return bits >= 8 && bits <= MAX_WINDOW_BITS ? bits : -1;
    }
}
