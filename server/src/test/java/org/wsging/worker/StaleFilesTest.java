package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaleFilesTest {
    @TempDir
    Path tmp;

    /** A PID that names no process: above the kernel's pid_max (at most 2^22). */
    private static final long GONE = 9_999_999;

    @Test
    void removesOnlyEntriesOfServersThatAreGone() throws IOException {
        Path stale = Files.createDirectory(tmp.resolve("wsging-" + GONE + "-123"));
        Files.writeString(stale.resolve("link.sock"), "");
        Path staleFile = Files.writeString(tmp.resolve("wsging-" + GONE + "-1-abcdef"), "x");
        long running = ProcessHandle.current().parent().orElseThrow().pid();
        Path live = Files.createDirectory(tmp.resolve("wsging-" + running + "-456"));
        Path ours = Files.createDirectory(tmp.resolve(StaleFiles.prefix() + "789"));
        Path noPid = Files.createDirectory(tmp.resolve("wsging-xyz"));
        Path other = Files.createDirectory(tmp.resolve("other-" + GONE + "-1"));

        assertEquals(2, StaleFiles.clean(tmp, Files.getOwner(tmp)));

        assertFalse(Files.exists(stale));
        assertFalse(Files.exists(staleFile));
        assertTrue(Files.exists(live) && Files.exists(ours) && Files.exists(noPid) && Files.exists(other));
    }

    @Test
    void readsTheOwnerPidFromTheName() {
        assertEquals(OptionalLong.of(42), StaleFiles.ownerPid("wsging-42-abc"));
        assertEquals(OptionalLong.empty(), StaleFiles.ownerPid("wsging-abc"));
        assertEquals(OptionalLong.empty(), StaleFiles.ownerPid("wsging-42-"));
    }
}
