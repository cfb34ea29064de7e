package org.wsging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import org.junit.jupiter.api.Test;

class OldGenerationGuardTest {
    private static final long MIB = 1024 * 1024;

    @Test
    void triggersJustUnderTheCommittedOldGeneration() {
        assertEquals((long) (40 * MIB * 0.85), OldGenerationGuard.threshold(40 * MIB, 5 * MIB));
    }

    @Test
    void leavesRoomForTwiceTheLiveData() {
        // Many live connections: collecting at 85% would free little and run again at once.
        assertEquals(60 * MIB, OldGenerationGuard.threshold(40 * MIB, 30 * MIB));
    }

    @Test
    void neverTriggersOnATinyFreshHeap() {
        assertEquals(8 * MIB, OldGenerationGuard.threshold(512 * 1024, 0));
    }

    @Test
    void recognisesTheOldGenerationOfEachCollector() {
        assertTrue(OldGenerationGuard.isOldGeneration("Tenured Gen")); // serial
        assertTrue(OldGenerationGuard.isOldGeneration("G1 Old Gen"));
        assertTrue(OldGenerationGuard.isOldGeneration("PS Old Gen"));
        assertFalse(OldGenerationGuard.isOldGeneration("Eden Space"));
        assertFalse(OldGenerationGuard.isOldGeneration("G1 Survivor Space"));
    }

    @Test
    void installSetsAThresholdOnThisJvmsOldGeneration() {
        OldGenerationGuard.install();
        MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> OldGenerationGuard.isOldGeneration(p.getName()) && p.isUsageThresholdSupported())
                .findFirst()
                .orElseThrow(() -> new AssertionError("no old generation pool with thresholds in this JVM"));
        assertTrue(old.getUsageThreshold() >= 8 * MIB, "threshold " + old.getUsageThreshold());
    }
}
