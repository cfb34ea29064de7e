package org.wsging.websocket.frames;

/** Frame opcodes (RFC 6455 §5.2); 0x3-0x7 and 0xB-0xF are reserved. */
final class Opcodes {

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    private Opcodes() {
    }

    /** Control frames have the high bit of the opcode set (§5.5). */
    static boolean isControl(int opcode) {
        return (opcode & 0x8) != 0;
    }

    static boolean isDefined(int opcode) {
        return opcode <= BINARY || (opcode >= CLOSE && opcode <= PONG);
    }
}
