package org.wsging.http1;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** RFC 6455 frames as a client writes them (masked) and as it reads the server's (unmasked), in latin-1 text. */
final class WebSocketWire {
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    /** A server frame: its opcode, FIN bit and payload. */
    record Frame(int opcode, boolean fin, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        int closeCode() {
            return payload.length < 2 ? -1 : ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
        }
    }

    private WebSocketWire() {}

    /** A masked client frame, as latin-1 text for {@link Http1TestChannel#send}. */
    static String clientFrame(int opcode, boolean fin, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            out.write(0x80 | payload.length);
        } else {
            out.write(0x80 | 126);
            out.write(payload.length >> 8);
            out.write(payload.length & 0xff);
        }
        byte[] mask = {0x37, (byte) 0xfa, 0x21, 0x3d};
        out.writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            out.write(payload[i] ^ mask[i % 4]);
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    static String clientText(String text) {
        return clientFrame(TEXT, true, text.getBytes(StandardCharsets.UTF_8));
    }

    static String clientClose(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] payload = new byte[2 + r.length];
        payload[0] = (byte) (code >> 8);
        payload[1] = (byte) code;
        System.arraycopy(r, 0, payload, 2, r.length);
        return clientFrame(CLOSE, true, payload);
    }

    /** The server's frames in {@code received} (latin-1 text of its bytes); they must be unmasked and whole. */
    static List<Frame> serverFrames(String received) {
        byte[] b = received.getBytes(StandardCharsets.ISO_8859_1);
        List<Frame> frames = new ArrayList<>();
        int i = 0;
        while (i < b.length) {
            boolean fin = (b[i] & 0x80) != 0;
            int opcode = b[i] & 0x0f;
            if ((b[i + 1] & 0x80) != 0) {
                throw new AssertionError("a server frame is never masked");
            }
            int length = b[i + 1] & 0x7f;
            i += 2;
            if (length == 126) {
                length = ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
                i += 2;
            } else if (length == 127) {
                throw new AssertionError("no test frame is that long");
            }
            byte[] payload = java.util.Arrays.copyOfRange(b, i, i + length);
            if (payload.length != length) {
                throw new AssertionError("a cut frame");
            }
            i += length;
            frames.add(new Frame(opcode, fin, payload));
        }
        return frames;
    }
}
