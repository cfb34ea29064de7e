package org.wsging.websocket.frames;

/** Close status codes (RFC 6455 §7.4) and which of them may travel in a close frame. */
final class CloseCodes {

    static final int NORMAL = 1000;
    static final int PROTOCOL_ERROR = 1002;
    /** Reported for a close frame without payload; never sent (§7.4.1). */
    static final int NO_STATUS = 1005;
    static final int INVALID_PAYLOAD = 1007;
    static final int MESSAGE_TOO_BIG = 1009;

    /** A control frame's payload is at most 125 bytes, two of them the code. */
    static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {
    }

    /**
     * Whether a close frame may carry {@code code}: the codes defined by RFC 6455 §7.4.1 except
     * those reserved for reporting (1004, 1005, 1006, 1015), the IANA-registered 1012-1014, and
     * 3000-4999 (registered libraries and private use, §7.4.2). 0-999, 1016-2999 and 5000 and up
     * are not used.
     */
    static boolean allowedOnWire(int code) {
        return (code >= 1000 && code <= 1003)
                || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }
}
