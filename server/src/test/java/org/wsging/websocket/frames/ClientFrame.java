package org.wsging.websocket.frames;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds the bytes of a client frame (RFC 6455 §5.2), masked unless told otherwise. */
final class ClientFrame {

    private static final byte[] MASK = {(byte) 0x37, (byte) 0xFA, (byte) 0x21, (byte) 0x3D};

    private final int opcode;
    private boolean fin = true;
    private int rsv;
    private boolean masked = true;
    private byte[] payload = new byte[0];
    private Long announcedLength;
    private int lengthBytes = -1;

    private ClientFrame(int opcode) {
        this.opcode = opcode;
    }

    static ClientFrame of(int opcode) {
        return new ClientFrame(opcode);
    }

    static byte[] text(String text) {
        return of(Opcodes.TEXT).payload(text).bytes();
    }

    static byte[] binary(byte[] data) {
        return of(Opcodes.BINARY).payload(data).bytes();
    }

    static byte[] close(int code, String reason) {
        byte[] r = reason.getBytes(StandardCharsets.UTF_8);
        byte[] p = new byte[2 + r.length];
        p[0] = (byte) (code >> 8);
        p[1] = (byte) code;
        System.arraycopy(r, 0, p, 2, r.length);
        return of(Opcodes.CLOSE).payload(p).bytes();
    }

    ClientFrame fin(boolean fin) {
        this.fin = fin;
        return this;
    }

    /** RSV bits as in the first byte: 0x40 RSV1, 0x20 RSV2, 0x10 RSV3. */
    ClientFrame rsv(int rsv) {
        this.rsv = rsv;
        return this;
    }

    ClientFrame unmasked() {
        this.masked = false;
        return this;
    }

    ClientFrame payload(byte[] payload) {
        this.payload = payload;
        return this;
    }

    ClientFrame payload(String text) {
        return payload(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A length field announcing {@code length} whatever the payload. */
    ClientFrame announce(long length) {
        this.announcedLength = length;
        return this;
    }

    /** Encodes the length in 0, 2 or 8 extra bytes, shortest form or not. */
    ClientFrame lengthBytes(int count) {
        this.lengthBytes = count;
        return this;
    }

    /** The header only (first byte to masking key). */
    byte[] header() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | rsv | opcode);
        long length = announcedLength != null ? announcedLength : payload.length;
        int extra = lengthBytes >= 0 ? lengthBytes
                : Long.compareUnsigned(length, 126) < 0 ? 0 : Long.compareUnsigned(length, 0xFFFF) <= 0 ? 2 : 8;
        int maskBit = masked ? 0x80 : 0;
        if (extra == 0) {
            out.write(maskBit | (int) length);
        } else if (extra == 2) {
            out.write(maskBit | 126);
            out.write((int) (length >> 8));
            out.write((int) length);
        } else {
            out.write(maskBit | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) (length >>> shift));
            }
        }
        if (masked) {
            out.writeBytes(MASK);
        }
        return out.toByteArray();
    }

    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header());
        for (int i = 0; i < payload.length; i++) {
            out.write(masked ? payload[i] ^ MASK[i % 4] : payload[i]);
        }
        return out.toByteArray();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
