package org.wsging.websocket.frames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The incremental UTF-8 check of text messages and close reasons. */
class Utf8ValidatorTest {

    private static byte[] hex(String hex) {
        return HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /** Feeds {@code bytes} in two parts split at {@code split}; the global index of the first bad byte. */
    private static int firstInvalid(byte[] bytes, int split) {
        Utf8Validator v = new Utf8Validator();
        int first = v.firstInvalid(Unpooled.wrappedBuffer(bytes, 0, split));
        if (first >= 0) {
            return first;
        }
        int second = v.firstInvalid(Unpooled.wrappedBuffer(bytes, split, bytes.length - split));
        if (second >= 0) {
            return split + second;
        }
        return v.atBoundary() ? -1 : -2;   // -2: valid so far, ends inside a sequence
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource({
        "''",
        "41 42 43 44 45 46 47 48 49 4a",        // ASCII, longer than the 8-byte fast path
        "c2 80", "df bf",                       // U+0080, U+07FF
        "e0 a0 80", "ed 9f bf", "ee 80 80", "ef bf bf",   // U+0800, U+D7FF, U+E000, U+FFFF
        "f0 90 80 80", "f4 8f bf bf",           // U+10000, U+10FFFF
        "ce ba e1 bd b9 cf 83 ce bc ce b5",     // κόσμε
        "41 41 41 41 41 41 41 41 41 41 f0 9f 98 80",
    })
    void wellFormedTextIsValidHoweverItIsSplit(String hex) {
        byte[] bytes = hex(hex);
        for (int split = 0; split <= bytes.length; split++) {
            assertEquals(-1, firstInvalid(bytes, split), "split at " + split);
        }
    }

    @ParameterizedTest(name = "{0} fails at {1}")
    @CsvSource({
        "80, 0",                  // a lone continuation byte
        "c0 80, 0", "c1 bf, 0",   // overlong two-byte forms
        "e0 80 80, 1", "e0 9f bf, 1",            // overlong three-byte forms
        "ed a0 80, 1", "ed bf bf, 1",            // surrogates
        "f0 80 80 80, 1", "f0 8f bf bf, 1",      // overlong four-byte forms
        "f4 90 80 80, 1",                        // above U+10FFFF
        "f5 80 80 80, 0", "ff, 0", "fe, 0",
        "41 c2 41, 2",                           // a sequence cut short by ASCII
        "e1 80 c0, 2",
        "41 41 41 41 41 41 41 41 41 41 41 41 41 80, 13",   // after the fast path
        "ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64, 12",   // Autobahn 6.3.1
    })
    void theFirstInvalidByteIsFoundWhereverTheInputIsSplit(String hex, int index) {
        byte[] bytes = hex(hex);
        for (int split = 0; split <= bytes.length; split++) {
            assertEquals(index, firstInvalid(bytes, split), "split at " + split);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"c2", "e2 82", "f0 9f 98", "41 f4 8f bf"})
    void aTruncatedSequenceIsNotABoundary(String hex) {
        byte[] bytes = hex(hex);
        assertEquals(-2, firstInvalid(bytes, bytes.length));
        assertFalse(Utf8Validator.isValid(Unpooled.wrappedBuffer(bytes)));
    }

    @Test
    void resetForgetsAnOpenSequence() {
        Utf8Validator v = new Utf8Validator();
        assertEquals(-1, v.firstInvalid(Unpooled.wrappedBuffer(hex("e2 82"))));
        v.reset();
        assertTrue(v.atBoundary());
        assertEquals(0, v.firstInvalid(Unpooled.wrappedBuffer(hex("ac"))), "a continuation after reset");
    }

    @Test
    void agreesWithTheJdkDecoderOnRandomInput() {
        byte[] alphabet = hex("00 41 7f 80 8f 90 9f a0 bf c0 c1 c2 df e0 e1 ec ed ee ef f0 f1 f3 f4 f5 ff");
        Random random = new Random(6455);
        for (int round = 0; round < 20_000; round++) {
            byte[] bytes = new byte[random.nextInt(12)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[random.nextInt(alphabet.length)];
            }
            boolean jdk = strictlyDecodes(bytes);
            for (int split = 0; split <= bytes.length; split++) {
                assertEquals(jdk, firstInvalid(bytes, split) == -1,
                        HexFormat.ofDelimiter(" ").formatHex(bytes) + " split at " + split);
            }
        }
    }

    private static boolean strictlyDecodes(byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }
}
