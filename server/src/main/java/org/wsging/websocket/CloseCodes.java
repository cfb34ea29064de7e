package org.wsging.websocket;

import java.nio.charset.StandardCharsets;

/** WebSocket close codes (RFC 6455 section 7.4) and which of them an application may send (spec 9.4). */
public final class CloseCodes {
    /** The worker link's and the exchange API's "a close without a code" (an empty close payload). */
    public static final int NONE = -1;
    public static final int NORMAL = 1000;
    public static final int GOING_AWAY = 1001;
    public static final int PROTOCOL_ERROR = 1002;
    /** Reported, never sent: the client's close frame had no code. */
    public static final int NO_STATUS = 1005;
    /** Reported, never sent: the connection ended without a close frame. */
    public static final int ABNORMAL = 1006;
    public static final int INTERNAL_ERROR = 1011;
    /** Longest close reason, in UTF-8 bytes: a control frame's 125 less the code's 2. */
    public static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {}

    /**
     * Spec 9.4 (MUST-WS-5): 1000, 1001, 1003, 1007 to 1014 and 3000 to 4999; never 1004 to 1006,
     * 1015 or another reserved code.
     */
    public static boolean applicationMaySend(int code) {
        return code == 1000 || code == 1001 || code == 1003 || (code >= 1007 && code <= 1014)
                || (code >= 3000 && code <= 4999);
    }

    /** Why a close from an application cannot be sent, or null when it can ({@link #NONE} has no reason). */
    public static String problem(int code, String reason) {
        if (code == NONE) {
            return reason.isEmpty() ? null : "a close without a code carries a reason";
        }
        if (!applicationMaySend(code)) {
            return "close code " + code + " is not one an application may send";
        }
        if (reason.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES) {
            return "close reason longer than " + MAX_REASON_BYTES + " UTF-8 bytes";
        }
        return null;
    }
}
