package org.wsging.worker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's resident set size, from {@code /proc/PID/status} (Linux). */
final class ResidentMemory {
    private ResidentMemory() {}

    /** Bytes resident, or 0 when the process is gone or /proc cannot tell. */
    static long of(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return parseKib(line) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process exited between the check and the read: nothing to measure
        }
        return 0;
    }

    /** "VmRSS:\t  123456 kB" -> 123456. */
    static long parseKib(String line) {
        String rest = line.substring(line.indexOf(':') + 1).trim();
        int space = rest.indexOf(' ');
        return Long.parseLong(space < 0 ? rest : rest.substring(0, space));
    }
}
