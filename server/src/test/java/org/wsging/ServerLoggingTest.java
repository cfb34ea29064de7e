package org.wsging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.logging.Level;
import org.junit.jupiter.api.Test;

class ServerLoggingTest {
    @Test
    void everyLineHasThePrefixOnceAndErrorsSaySo() {
        assertEquals("wsging: worker 1 (pid 7) exited with signal 9; restarting",
                ServerLogging.format(Level.WARNING, "worker 1 (pid 7) exited with signal 9; restarting", null));
        assertEquals("wsging: error: cannot bind: x", ServerLogging.format(Level.SEVERE, "cannot bind", new RuntimeException("x")
        {
            @Override
            public String toString() {
                return "x";
            }
        }));
        assertEquals("wsging: error: no app", ServerLogging.error("no app"));
        assertEquals("wsging: shutting down", ServerLogging.line("shutting down"));
    }
}
