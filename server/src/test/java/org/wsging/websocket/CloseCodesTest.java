package org.wsging.websocket;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Spec 9.4 MUST-WS-5: the close codes an application may send. */
class CloseCodesTest {
    @ParameterizedTest
    @ValueSource(ints = {1000, 1001, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999})
    void allowed(int code) {
        assertTrue(CloseCodes.applicationMaySend(code));
        assertNull(CloseCodes.problem(code, "why"));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 999, 1002, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535})
    void refused(int code) {
        assertFalse(CloseCodes.applicationMaySend(code));
        assertNotNull(CloseCodes.problem(code, ""));
    }

    @Test
    void aReasonFitsTheControlFrame() {
        assertNull(CloseCodes.problem(1000, "\u00e9".repeat(61) + "a"), "123 UTF-8 bytes");
        assertNotNull(CloseCodes.problem(1000, "\u00e9".repeat(62)), "124 UTF-8 bytes");
    }

    @Test
    void aCloseWithoutACodeHasNoReason() {
        assertNull(CloseCodes.problem(CloseCodes.NONE, ""));
        assertNotNull(CloseCodes.problem(CloseCodes.NONE, "why"));
    }
}
