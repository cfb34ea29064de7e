package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wsging.config.AppInterface;
import org.wsging.config.WorkerRecycling;
import org.wsging.config.WorkersConfig;

class WorkerProcessTest {
    @Test
    void workersKeepTheTopOfTheirMallocHeap() {
        Map<String, String> env = new HashMap<>();
        WorkerProcess.keepMallocTop(env);
        assertEquals(Integer.toString(4 * 1024 * 1024), env.get("MALLOC_TOP_PAD_"));
    }

    @Test
    void workersAreToldTheirSyncWebSocketSessionCap() {
        WorkersConfig config = new WorkersConfig("app:app", Path.of("/srv"), Path.of("python"), Path.of("/pkg"), 1, 4,
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30), false, false, 0, "",
                WorkerRecycling.NONE, 12);
        Map<String, String> env = new HashMap<>();
        WorkerProcess.environment(env, config, 3, Path.of("/run/link.sock"));
        assertEquals("12", env.get("WSGING_WS_SYNC_SESSIONS"));
        assertEquals("3", env.get("WSGING_WORKER_ID"));
        assertEquals("/run/link.sock", env.get("WSGING_LINK"));
        assertEquals("/pkg", env.get("PYTHONPATH"));
        assertEquals("ng", env.get("WSGING_INTERFACE"));
    }

    @Test
    void workersAreToldWhatKindOfApplicationTheyLoad() {
        WorkersConfig config = new WorkersConfig("app:app", Path.of("/srv"), Path.of("python"), Path.of("/pkg"), 1, 4,
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(30), false, false, 0, "",
                WorkerRecycling.NONE, 12, AppInterface.ASGI);
        Map<String, String> env = new HashMap<>();
        WorkerProcess.environment(env, config, 1, Path.of("/run/link.sock"));
        assertEquals("asgi", env.get("WSGING_INTERFACE"));
    }

    @Test
    void theSyncWebSocketSessionCapIsPositive() {
        assertThrows(IllegalArgumentException.class, () -> new WorkersConfig("app:app", Path.of("/srv"),
                Path.of("python"), Path.of("/pkg"), 1, 4, Duration.ofSeconds(30), Duration.ofSeconds(30),
                Duration.ofSeconds(30), false, false, 0, "", WorkerRecycling.NONE, 0));
    }

    @Test
    void aPadTheUserSetIsKept() {
        Map<String, String> env = new HashMap<>(Map.of("MALLOC_TOP_PAD_", "0"));
        WorkerProcess.keepMallocTop(env);
        assertEquals("0", env.get("MALLOC_TOP_PAD_"));
    }
}
