package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StreamTableTest {

    @Test
    void mixIsOneToOneOnConsecutiveIdsAndAtTheEdges() {
        Set<Integer> seen = new HashSet<>();
        for (int id = 1; id <= 200_000; id++) {
            assertTrue(seen.add(StreamTable.mix(id)), "collision at " + id);
        }
        for (int id : new int[] {0, -1, Integer.MAX_VALUE, Integer.MIN_VALUE}) {
            assertTrue(seen.add(StreamTable.mix(id)), "collision at " + id);
        }
    }

    @Test
    void streamsAreFoundByTheirIds() {
        StreamTable table = new StreamTable();
        LinkStream[] streams = new LinkStream[3000];
        for (int i = 0; i < streams.length; i++) {
            streams[i] = new LinkStream(null, null, null);
            table.put(i + 1, streams[i]);
        }
        for (int i = 0; i < streams.length; i += 2) {
            table.remove(i + 1);
        }
        for (int i = 0; i < streams.length; i++) {
            if (i % 2 == 0) {
                assertNull(table.get(i + 1));
                assertFalse(table.containsKey(i + 1));
            } else {
                assertSame(streams[i], table.get(i + 1));
            }
        }
        assertEquals(streams.length / 2, table.removeAll().size());
        assertTrue(table.isEmpty());
    }
}
