package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerProcessTest {
    @Test
    void workersKeepTheTopOfTheirMallocHeap() {
        Map<String, String> env = new HashMap<>();
        WorkerProcess.keepMallocTop(env);
        assertEquals(Integer.toString(4 * 1024 * 1024), env.get("MALLOC_TOP_PAD_"));
    }

    @Test
    void aPadTheUserSetIsKept() {
        Map<String, String> env = new HashMap<>(Map.of("MALLOC_TOP_PAD_", "0"));
        WorkerProcess.keepMallocTop(env);
        assertEquals("0", env.get("MALLOC_TOP_PAD_"));
    }
}
