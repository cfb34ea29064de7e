package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RecentStreamIdsTest {

    @Test
    void marksIdentifiersAndForgetsNothingWithinItsSpan() {
        RecentStreamIds ids = new RecentStreamIds();
        ids.mark(1);
        ids.mark(5);
        assertTrue(ids.contains(1));
        assertFalse(ids.contains(3), "skipped, never used");
        assertTrue(ids.contains(5));
        assertFalse(ids.contains(7), "not yet");
    }

    @Test
    void aSlotReusedForANewerIdentifierStartsUnmarked() {
        RecentStreamIds ids = new RecentStreamIds();
        ids.mark(3);
        int later = 3 + 2 * RecentStreamIds.SPAN; // the same slot, one span later
        ids.mark(later + 2);
        assertFalse(ids.contains(later), "never used, though its slot once was");
        assertTrue(ids.contains(3), "older than the span counts as used");
    }

    @Test
    void aLargeJumpClearsEverySlot() {
        RecentStreamIds ids = new RecentStreamIds();
        for (int id = 1; id < 2 * RecentStreamIds.SPAN; id += 2) {
            ids.mark(id);
        }
        int far = 1_000_001;
        ids.mark(far);
        for (int id = far - 2; id > far - 2 * RecentStreamIds.SPAN; id -= 2) {
            if (ids.contains(id)) {
                throw new AssertionError(id + " was never used");
            }
        }
    }
}
