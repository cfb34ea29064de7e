package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/** The payload of a close frame (RFC 6455 §5.5.1): empty, or a 2-byte code and a UTF-8 reason. */
final class ClosePayload {

    private ClosePayload() {
    }

    /**
     * Reads the client's close frame.
     *
     * @throws ProtocolViolation 1002 for a 1-byte payload or a code no endpoint may send, 1007
     *                           for a reason that is not UTF-8
     */
    static PeerClose parse(ByteBuf payload) {
        int length = payload.readableBytes();
        if (length == 0) {
            return new PeerClose(CloseCodes.NO_STATUS, "");
        }
        if (length == 1) {
            throw ProtocolViolation.protocolError("close frame with a 1-byte payload");
        }
        int code = payload.getUnsignedShort(payload.readerIndex());
        if (!CloseCodes.allowedOnWire(code)) {
            throw ProtocolViolation.protocolError("close code " + code + " may not be sent");
        }
        ByteBuf reason = payload.slice(payload.readerIndex() + 2, length - 2);
        if (!Utf8Validator.isValid(reason)) {
            throw ProtocolViolation.invalidPayload("close reason is not UTF-8");
        }
        return new PeerClose(code, reason.toString(StandardCharsets.UTF_8));
    }

    static ByteBuf encode(ByteBufAllocator alloc, OutboundClose close) {
        if (close.code() == 0) {
            return alloc.buffer(0);
        }
        byte[] reason = close.reason().getBytes(StandardCharsets.UTF_8);
        ByteBuf out = alloc.buffer(2 + reason.length);
        out.writeShort(close.code());
        out.writeBytes(reason);
        return out;
    }
}
