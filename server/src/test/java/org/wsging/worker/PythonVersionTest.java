package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PythonVersionTest {
    @TempDir
    Path tmp;

    private Path fake(String output) throws IOException {
        Path script = tmp.resolve("python");
        Files.writeString(script, "#!/bin/sh\nprintf '%s' '" + output + "'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    void anOldInterpreterIsOneLineNamingBothVersions() throws IOException {
        Path python = fake("3.8.18");
        WorkerStartupException e = assertThrows(WorkerStartupException.class, () -> PythonVersion.check(python));
        assertEquals(python + " is Python 3.8.18; the workers need Python 3.9 or newer (pass another with --python)",
                e.getMessage());
    }

    @Test
    void aSupportedInterpreterPasses() throws Exception {
        PythonVersion.check(fake("3.9.0"));
        PythonVersion.check(fake("3.13.1"));
    }

    @Test
    void somethingThatIsNotPythonIsSaidSo() throws IOException {
        Path python = fake("hello");
        WorkerStartupException e = assertThrows(WorkerStartupException.class, () -> PythonVersion.check(python));
        assertTrue(e.getMessage().contains("is not a Python the workers can use"), e.getMessage());
    }

    @Test
    void versionTable() {
        assertTrue(PythonVersion.supported(3, 9));
        assertTrue(PythonVersion.supported(4, 0));
        assertFalse(PythonVersion.supported(3, 8));
        assertFalse(PythonVersion.supported(2, 7));
    }
}
