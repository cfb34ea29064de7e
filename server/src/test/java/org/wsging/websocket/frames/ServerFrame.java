package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A frame the server wrote, parsed back; server frames must be unmasked (RFC 6455 §5.1). */
record ServerFrame(boolean fin, boolean rsv1, int opcode, byte[] payload) {

    /** Parses every frame in {@code bytes}, which must end on a frame boundary. */
    static List<ServerFrame> parseAll(ByteBuf bytes) {
        List<ServerFrame> frames = new ArrayList<>();
        while (bytes.isReadable()) {
            int b0 = bytes.readUnsignedByte();
            int b1 = bytes.readUnsignedByte();
            assertFalse((b1 & 0x80) != 0, "a server frame is masked");
            assertEquals(0, b0 & 0x30, "RSV2/RSV3 set");
            long length = b1 & 0x7F;
            if (length == 126) {
                length = bytes.readUnsignedShort();
                assertTrue(length >= 126, "length " + length + " not in its shortest form");
            } else if (length == 127) {
                length = bytes.readLong();
                assertTrue(length > 0xFFFF, "length " + length + " not in its shortest form");
            }
            byte[] payload = new byte[(int) length];
            bytes.readBytes(payload);
            frames.add(new ServerFrame((b0 & 0x80) != 0, (b0 & 0x40) != 0, b0 & 0x0F, payload));
        }
        return frames;
    }

    int closeCode() {
        assertEquals(Opcodes.CLOSE, opcode, "not a close frame");
        return ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF);
    }

    String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ServerFrame[fin=" + fin + ", rsv1=" + rsv1 + ", opcode=" + opcode + ", payload="
                + Arrays.toString(payload) + "]";
    }
}
