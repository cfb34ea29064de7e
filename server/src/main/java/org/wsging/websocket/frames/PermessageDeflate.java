package org.wsging.websocket.frames;

import java.util.List;

/**
 * Negotiation of permessage-deflate (RFC 7692). This build has no compression yet: every offer
 * is declined, so sessions run uncompressed (a client must accept that, RFC 7692 section 5).
 */
public final class PermessageDeflate {
    private PermessageDeflate() {}

    /**
     * @param offers the values of every Sec-WebSocket-Extensions field of the request, as received
     * @return the accepted parameters, or null when the client offered no acceptable permessage-deflate
     */
    public static DeflateParameters negotiate(List<String> offers) {
        return null;
    }
}
