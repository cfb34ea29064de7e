package org.wsging.http2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.cli.Command;
import org.wsging.cli.CommandLineException;
import org.wsging.cli.CommandLineParser;
import org.wsging.config.Http2Config;

/** The HTTP/2 command-line options: defaults, values, and the RFC 9113 §6.5.2 ranges. */
class Http2OptionsTest {

    @TempDir
    Path home;
    CommandLineParser parser;

    @BeforeEach
    void setUp() throws IOException {
        Path python = home.resolve(".venv/bin/python");
        Files.createDirectories(python.getParent());
        Files.writeString(python, "#!/bin/sh\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        parser = new CommandLineParser(Map.of("WSGING_HOME", home.toString()), home);
    }

    private Http2Config http2(String... options) throws CommandLineException {
        String[] args = new String[options.length + 2];
        args[0] = "serve";
        args[1] = "app:app";
        System.arraycopy(options, 0, args, 2, options.length);
        return ((Command.Serve) parser.parse(args)).config().http2();
    }

    private String error(String... options) {
        return assertThrows(CommandLineException.class, () -> http2(options)).getMessage();
    }

    @Test
    void defaults() throws Exception {
        Http2Config c = http2();
        assertEquals(Http2Config.DEFAULT, c);
        assertTrue(c.enabled());
        assertEquals(100, c.maxConcurrentStreams());
        assertEquals(256 * 1024, c.initialWindowSize());
        assertEquals(16384, c.maxFrameSize());
        assertEquals(64 * 1024, c.maxHeaderListSize());
        assertEquals(100 * 256 * 1024, c.connectionWindowSize());
    }

    @Test
    void values() throws Exception {
        Http2Config c = http2("--h2-max-concurrent-streams", "7", "--h2-initial-window-size=1000",
                "--h2-max-frame-size", "16777215", "--h2-max-header-list-size", "4096");
        assertEquals(new Http2Config(true, 7, 1000, 16777215, 4096), c);
        assertFalse(http2("--no-http2").enabled());
    }

    @Test
    void theConnectionWindowStaysAValidWindow() {
        assertEquals(Integer.MAX_VALUE, new Http2Config(true, 1000, Integer.MAX_VALUE, 16384, 1).connectionWindowSize());
    }

    @Test
    void valuesOutOfRangeAreClearErrors() {
        assertEquals("--h2-max-frame-size: expected a whole number from 16384 to 16777215, got '16383'",
                error("--h2-max-frame-size", "16383"));
        assertEquals("--h2-max-frame-size: expected a whole number from 16384 to 16777215, got '16777216'",
                error("--h2-max-frame-size", "16777216"));
        assertEquals("--h2-initial-window-size: expected a whole number from 1 to 2147483647, got '2147483648'",
                error("--h2-initial-window-size", "2147483648"));
        assertEquals("--h2-max-concurrent-streams: expected a whole number from 1 to 2147483647, got '0'",
                error("--h2-max-concurrent-streams", "0"));
        assertEquals("--h2-max-header-list-size: expected a whole number from 1 to 2147483647, got 'big'",
                error("--h2-max-header-list-size", "big"));
        assertEquals("option --no-http2 takes no value", error("--no-http2=yes"));
    }
}
