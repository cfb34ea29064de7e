package org.wsging.websocket.frames;

/**
 * The client broke a rule of RFC 6455 or RFC 7692, or a limit: thrown by a frame handler, caught
 * by {@link ProtocolFailureHandler}, which closes the connection with {@link #code}. It carries
 * no stack trace: it reports the peer's input, not a fault of this server.
 */
final class ProtocolViolation extends RuntimeException {

    final int code;

    ProtocolViolation(int code, String why) {
        super(why, null, false, false);
        this.code = code;
    }

    static ProtocolViolation protocolError(String why) {
        return new ProtocolViolation(CloseCodes.PROTOCOL_ERROR, why);
    }

    static ProtocolViolation invalidPayload(String why) {
        return new ProtocolViolation(CloseCodes.INVALID_PAYLOAD, why);
    }

    static ProtocolViolation tooBig(String why) {
        return new ProtocolViolation(CloseCodes.MESSAGE_TOO_BIG, why);
    }
}
