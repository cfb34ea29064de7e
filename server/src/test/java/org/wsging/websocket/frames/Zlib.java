package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/** The client's side of permessage-deflate (RFC 7692 §7.2), for tests. */
final class Zlib {

    static final byte[] TAIL = {0, 0, (byte) 0xFF, (byte) 0xFF};

    private Zlib() {
    }

    static Deflater deflater() {
        return new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    }

    /** A message's compressed payload: deflated, sync-flushed, without the trailing 00 00 FF FF. */
    static byte[] compress(Deflater deflater, byte[] message) {
        deflater.setInput(message);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        do {
            n = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
            out.write(buffer, 0, n);
        } while (n == buffer.length);
        byte[] bytes = out.toByteArray();
        assertArrayEquals(TAIL, Arrays.copyOfRange(bytes, bytes.length - 4, bytes.length));
        return Arrays.copyOf(bytes, bytes.length - 4);
    }

    static byte[] compress(byte[] message) {
        Deflater deflater = deflater();
        try {
            return compress(deflater, message);
        } finally {
            deflater.end();
        }
    }

    /** A message's payload decompressed, the tail appended as the receiver must. */
    static byte[] decompress(Inflater inflater, byte[] payload) throws DataFormatException {
        inflater.setInput(ClientFrame.concat(payload, TAIL));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = inflater.inflate(buffer)) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    static byte[] decompress(byte[] payload) throws DataFormatException {
        Inflater inflater = new Inflater(true);
        try {
            return decompress(inflater, payload);
        } finally {
            inflater.end();
        }
    }
}
