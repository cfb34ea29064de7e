package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ResidentMemoryTest {
    @Test
    void parsesTheStatusLine() {
        assertEquals(123456, ResidentMemory.parseKib("VmRSS:\t  123456 kB"));
    }

    @Test
    void readsThisProcess() {
        long rss = ResidentMemory.of(ProcessHandle.current().pid());
        assertTrue(rss > 1 << 20, "a JVM has more than 1 MiB resident: " + rss);
    }

    @Test
    void aGoneProcessHasNone() {
        assertEquals(0, ResidentMemory.of(9_999_999));
    }
}
