package org.wsging.websocket.frames;

import java.nio.charset.StandardCharsets;

/**
 * A close frame to send (RFC 6455 §5.5.1). {@code code} 0 sends a close frame without payload;
 * any other code must be one an endpoint may put on the wire (§7.4), with a reason of at most 123
 * UTF-8 bytes (a control frame carries at most 125). Frames written after it are dropped.
 */
public record OutboundClose(int code, String reason) {

    public OutboundClose {
        if (reason == null) {
            throw new IllegalArgumentException("close reason must not be null (use \"\")");
        }
        if (code == 0) {
            if (!reason.isEmpty()) {
                throw new IllegalArgumentException("a close frame without a code has no reason");
            }
        } else {
            if (!CloseCodes.allowedOnWire(code)) {
                throw new IllegalArgumentException("close code " + code + " may not be sent (RFC 6455 7.4)");
            }
            if (reason.getBytes(StandardCharsets.UTF_8).length > CloseCodes.MAX_REASON_BYTES) {
                throw new IllegalArgumentException("close reason longer than "
                        + CloseCodes.MAX_REASON_BYTES + " UTF-8 bytes");
            }
        }
    }
}
