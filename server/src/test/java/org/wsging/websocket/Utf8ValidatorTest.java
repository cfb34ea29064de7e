package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RFC 3629: text checked in pieces that may split a code point. */
class Utf8ValidatorTest {
    private static boolean validWhole(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        Utf8Validator v = new Utf8Validator();
        ByteBuf b = Unpooled.wrappedBuffer(bytes);
        boolean ok = v.feed(b) && v.complete();
        b.release();
        return ok;
    }

    /** Every split into one-byte pieces gives the same answer as the whole. */
    private static boolean validBytewise(String hex) {
        byte[] bytes = HexFormat.of().parseHex(hex);
        Utf8Validator v = new Utf8Validator();
        for (byte x : bytes) {
            ByteBuf b = Unpooled.wrappedBuffer(new byte[] {x});
            boolean ok = v.feed(b);
            b.release();
            if (!ok) {
                return false;
            }
        }
        return v.complete();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "41", "c3a9", "e282ac", "f09f9880", "efbfbf", "f48fbfbf", "ed9fbf", "ee8080",
            "cebae1bdb9cf83cebcceb5"})
    void valid(String hex) {
        assertTrue(validWhole(hex), hex);
        assertTrue(validBytewise(hex), hex);
    }

    @ParameterizedTest
    @ValueSource(strings = {"80", "c0af", "c1bf", "e080af", "eda080", "edbfbf", "f08f8080", "f4908080", "f5808080",
            "ff", "fe", "c3", "e282", "f09f98", "c341", "cebae1bdb9cf83cebcceb5eda080656469746564"})
    void invalid(String hex) {
        assertFalse(validWhole(hex), hex);
        assertFalse(validBytewise(hex), hex);
    }

    @ParameterizedTest
    @ValueSource(strings = {"c0", "eda0", "f490", "ff"})
    void theFirstImpossibleByteFailsAtOnce(String hex) {
        Utf8Validator v = new Utf8Validator();
        ByteBuf b = Unpooled.wrappedBuffer(HexFormat.of().parseHex(hex));
        assertFalse(v.feed(b), "no need to wait for the rest of the code point");
        assertEquals(0, b.readerIndex(), "nothing is consumed");
        b.release();
    }
}
