package org.wsging.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.wsging.config.AppInterface;
import org.wsging.config.BindAddress;
import org.wsging.config.ServerConfig;
import org.wsging.config.TlsConfig;

class CommandLineParserTest {

    @TempDir
    Path home;
    Path python;
    CommandLineParser parser;

    @BeforeEach
    void setUp() throws IOException {
        python = home.resolve(".venv/bin/python");
        Files.createDirectories(python.getParent());
        Files.writeString(python, "#!/bin/sh\n");
        Files.setPosixFilePermissions(python, PosixFilePermissions.fromString("rwxr-xr-x"));
        parser = new CommandLineParser(Map.of("WSGING_HOME", home.toString()), home);
    }

    private ServerConfig serve(String... args) throws CommandLineException {
        return ((Command.Serve) parser.parse(args)).config();
    }

    private String error(String... args) {
        return assertThrows(CommandLineException.class, () -> parser.parse(args)).getMessage();
    }

    @Test
    void defaults() throws Exception {
        ServerConfig c = serve("serve", "app:app");
        assertEquals(List.of(new BindAddress("127.0.0.1", 8000)), c.binds());
        assertEquals("app:app", c.workers().app());
        assertEquals(home, c.workers().appDir());
        assertEquals(python, c.workers().python());
        assertEquals(home.resolve("python/src"), c.workers().packagePath());
        assertEquals(1, c.workers().count());
        assertEquals(32, c.workers().threads());
        assertEquals(Duration.ofSeconds(30), c.workers().timeout());
        assertEquals(Duration.ofSeconds(30), c.workers().queueTimeout());
        assertEquals(Duration.ofSeconds(30), c.workers().gracefulTimeout());
        assertFalse(c.workers().debug());
        assertFalse(c.workers().inlineSync());
        assertEquals(128, c.workers().sharedBodySlots());
        assertEquals(8192, c.http1().limits().maxRequestLine());
        assertEquals(16384, c.http1().limits().maxHeaderSize());
        assertEquals(100, c.http1().limits().maxHeaders());
        assertEquals(1L << 30, c.http1().limits().maxBodySize());
        assertEquals(Duration.ofSeconds(10), c.http1().timeouts().header());
        assertEquals(Duration.ofSeconds(5), c.http1().timeouts().keepAlive());
        assertEquals(Duration.ofSeconds(30), c.http1().timeouts().body());
        assertFalse(c.logging().accessLog());
        assertFalse(c.ceiling());
        assertEquals(ServerConfig.defaultIoThreads(Runtime.getRuntime().availableProcessors()), c.ioThreads());
    }

    @Test
    void webSocketDefaults() throws Exception {
        ServerConfig c = serve("serve", "app:app");
        assertEquals(Duration.ofSeconds(20), c.websocket().pingInterval());
        assertEquals(Duration.ofSeconds(20), c.websocket().pingTimeout());
        assertEquals(256, c.workers().wsSyncSessions());
    }

    @Test
    void webSocketOptions() throws Exception {
        ServerConfig c = serve("serve", "app:app", "--ws-ping-interval", "2.5", "--ws-ping-timeout=7",
                "--ws-sync-sessions", "1000");
        assertEquals(Duration.ofMillis(2500), c.websocket().pingInterval());
        assertEquals(Duration.ofSeconds(7), c.websocket().pingTimeout());
        assertEquals(1000, c.workers().wsSyncSessions());
        assertEquals(null, serve("serve", "app:app", "--ws-ping-interval", "0").websocket().pingInterval(), "0: no pings");
        assertEquals(null, serve("serve", "app:app", "--ws-ping-interval", "off").websocket().pingInterval());
        assertEquals(null, serve("serve", "app:app").websocket().idleTimeout(), "no idle timeout by default");
        assertEquals(Duration.ofSeconds(300), serve("serve", "app:app", "--ws-idle-timeout", "300").websocket().idleTimeout());
        assertEquals(null, serve("serve", "app:app", "--ws-idle-timeout", "off").websocket().idleTimeout());
    }

    @Test
    void interfaceDefaultsToWsgingNgAndTakesEachKind() throws Exception {
        assertEquals(AppInterface.NG, serve("serve", "app:app").workers().appInterface());
        assertEquals(AppInterface.WSGI, serve("serve", "app:app", "--interface", "wsgi").workers().appInterface());
        assertEquals(AppInterface.ASGI, serve("serve", "app:app", "--interface=asgi").workers().appInterface());
        assertEquals(AppInterface.AUTO, serve("serve", "app:app", "--interface", "auto").workers().appInterface());
        assertEquals(AppInterface.NG, serve("serve", "app:app", "--interface", "ng").workers().appInterface());
    }

    @Test
    void anUnknownInterfaceNamesTheChoices() {
        String message = error("serve", "app:app", "--interface", "asgi2");
        assertTrue(message.contains("--interface: expected ng, wsgi, asgi or auto, got 'asgi2'"), message);
        assertTrue(error("serve", "app:app", "--interface").contains("needs a value"));
    }

    @Test
    void badWebSocketOptions() {
        assertTrue(error("serve", "app:app", "--ws-ping-interval", "-1").contains("--ws-ping-interval"));
        assertTrue(error("serve", "app:app", "--ws-ping-interval", "soon").contains("--ws-ping-interval"));
        assertTrue(error("serve", "app:app", "--ws-idle-timeout", "-5").contains("--ws-idle-timeout"));
        assertTrue(error("serve", "app:app", "--ws-ping-timeout", "0").contains("--ws-ping-timeout"));
        assertTrue(error("serve", "app:app", "--ws-ping-timeout", "off").contains("--ws-ping-timeout"));
        assertTrue(error("serve", "app:app", "--ws-sync-sessions", "0").contains("--ws-sync-sessions"));
        assertTrue(error("serve", "app:app", "--ws-sync-sessions", "x").contains("--ws-sync-sessions"));
        assertTrue(error("serve", "app:app", "--ws-sync-sessions").contains("needs a value"));
    }

    @Test
    void slowClientOptions() throws Exception {
        var d = serve("serve", "app:app").http1().timeouts();
        assertEquals(500, d.bodyMinRate());
        assertEquals(Duration.ofSeconds(30), d.send());
        assertEquals(null, d.request(), "no request timeout unless asked for");
        var t = serve("serve", "app:app", "--body-min-rate", "0", "--send-timeout", "2.5",
                "--request-timeout=90").http1().timeouts();
        assertEquals(0, t.bodyMinRate());
        assertEquals(Duration.ofMillis(2500), t.send());
        assertEquals(Duration.ofSeconds(90), t.request());
        assertEquals(null, serve("serve", "app:app", "--request-timeout", "off").http1().timeouts().request());
        assertTrue(error("serve", "app:app", "--send-timeout", "0").contains("--send-timeout"));
        assertTrue(error("serve", "app:app", "--body-min-rate", "-1").contains("--body-min-rate"));
        assertTrue(error("serve", "app:app", "--request-timeout", "soon").contains("'off'"));
    }

    @Test
    void ioThreadsDefaultToHalfTheCores() {
        assertEquals(1, ServerConfig.defaultIoThreads(1));
        assertEquals(1, ServerConfig.defaultIoThreads(2));
        assertEquals(1, ServerConfig.defaultIoThreads(3));
        assertEquals(4, ServerConfig.defaultIoThreads(8));
    }

    @Test
    void everyOption() throws Exception {
        Path dir = Files.createDirectory(home.resolve("site"));
        ServerConfig c = serve("serve", "pkg.mod:make.app", "--bind", "0.0.0.0:80", "--bind=[::1]:81",
                "--workers", "4", "--threads=8", "--inline-sync", "--app-dir", "site", "--python", python.toString(), "--debug",
                "--access-log", "--max-request-line", "100", "--max-header-size", "200", "--max-headers", "3",
                "--max-body-size", "0", "--header-timeout", "1.5", "--keepalive-timeout", "2",
                "--body-timeout", "3", "--worker-timeout", "4", "--queue-timeout", "5", "--graceful-timeout", "6",
                "--shared-body-slots", "7", "--io-threads", "3", "--ceiling", "--max-requests", "1000",
                "--max-requests-jitter", "50", "--worker-max-memory", "512");
        assertEquals(new org.wsging.config.WorkerRecycling(1000, 50, 512L << 20), c.workers().recycling());
        assertEquals(List.of(new BindAddress("0.0.0.0", 80), new BindAddress("::1", 81)), c.binds());
        assertEquals(4, c.workers().count());
        assertEquals(8, c.workers().threads());
        assertTrue(c.workers().inlineSync());
        assertEquals(dir, c.workers().appDir());
        assertTrue(c.workers().debug());
        assertTrue(c.logging().accessLog());
        assertEquals(100, c.http1().limits().maxRequestLine());
        assertEquals(200, c.http1().limits().maxHeaderSize());
        assertEquals(3, c.http1().limits().maxHeaders());
        assertEquals(0, c.http1().limits().maxBodySize());
        assertEquals(Duration.ofMillis(1500), c.http1().timeouts().header());
        assertEquals(Duration.ofSeconds(2), c.http1().timeouts().keepAlive());
        assertEquals(Duration.ofSeconds(3), c.http1().timeouts().body());
        assertEquals(Duration.ofSeconds(4), c.workers().timeout());
        assertEquals(Duration.ofSeconds(5), c.workers().queueTimeout());
        assertEquals(Duration.ofSeconds(6), c.workers().gracefulTimeout());
        assertEquals(7, c.workers().sharedBodySlots());
        assertTrue(c.ceiling());
        assertEquals(3, c.ioThreads());
    }

    @Test
    void helpAnywhereDocumentsEveryOption() throws Exception {
        Command help = parser.parse("serve", "bad", "--nonsense", "--help");
        String text = assertInstanceOf(Command.Help.class, help).text();
        assertTrue(text.startsWith("usage: wsging serve MODULE:ATTR"));
        Matcher m = Pattern.compile("\"(--[a-z-]+)\"").matcher(
                Files.readString(Path.of("src/main/java/org/wsging/cli/CommandLineParser.java")));
        int options = 0;
        while (m.find()) {
            options++;
            assertTrue(text.contains(m.group(1) + " "), "usage lacks " + m.group(1));
        }
        assertTrue(options >= 18, "found only " + options + " options in the table");
    }

    @Test
    void sharedBodySlotsMayBeZeroAndAreBoundedByOneMapping() throws Exception {
        assertEquals(0, serve("serve", "a:b", "--shared-body-slots=0").workers().sharedBodySlots());
        assertEquals(16383, serve("serve", "a:b", "--shared-body-slots", "16383").workers().sharedBodySlots());
        for (String bad : List.of("-1", "16384", "many", "")) {
            assertTrue(error("serve", "a:b", "--shared-body-slots", bad)
                    .startsWith("--shared-body-slots: expected a whole number from 0 to 16383"), bad);
        }
    }

    @Test
    void tlsOptionsResolveTheirFilesAndDefaultToNoClientCertificates() throws Exception {
        assertEquals(null, serve("serve", "a:b").tls());
        TlsConfig tls = serve("serve", "a:b", "--certfile", "c.pem", "--keyfile=k.pem").tls();
        assertEquals(new TlsConfig(home.resolve("c.pem"), home.resolve("k.pem"), null, null, TlsConfig.ClientCerts.NONE), tls);
        tls = serve("serve", "a:b", "--certfile", "c.pem", "--keyfile", "k.pem", "--keyfile-password", "pw",
                "--ca-certs", "/etc/ca.pem", "--cert-reqs", "required").tls();
        assertEquals(new TlsConfig(home.resolve("c.pem"), home.resolve("k.pem"), "pw", Path.of("/etc/ca.pem"),
                TlsConfig.ClientCerts.REQUIRED), tls);
    }

    @Test
    void tlsOptionsThatCannotWorkTogetherAreRefused() {
        assertTrue(error("serve", "a:b", "--certfile", "c.pem").contains("--certfile needs --keyfile"));
        assertTrue(error("serve", "a:b", "--keyfile", "k.pem").startsWith("--keyfile needs --certfile"));
        assertTrue(error("serve", "a:b", "--ca-certs", "ca.pem").startsWith("--ca-certs needs --certfile"));
        assertTrue(error("serve", "a:b", "--cert-reqs", "none").startsWith("--cert-reqs needs --certfile"));
        assertTrue(error("serve", "a:b", "--certfile", "c", "--keyfile", "k", "--cert-reqs", "optional")
                .contains("--cert-reqs optional needs --ca-certs"));
        assertTrue(error("serve", "a:b", "--certfile", "c", "--keyfile", "k", "--cert-reqs", "always")
                .startsWith("--cert-reqs: expected none, optional or required"));
    }

    @Test
    void rootPathIsAMountPrefixWithoutTrailingSlash() throws Exception {
        assertEquals("", serve("serve", "a:b").workers().rootPath());
        assertEquals("/app", serve("serve", "a:b", "--root-path", "/app").workers().rootPath());
        assertEquals("/a/b", serve("serve", "a:b", "--root-path=/a/b/").workers().rootPath());
        assertEquals("", serve("serve", "a:b", "--root-path", "/").workers().rootPath());
        assertEquals("", serve("serve", "a:b", "--root-path", "").workers().rootPath());
        assertEquals("/caf\u00e9 x", serve("serve", "a:b", "--root-path", "/caf\u00e9 x").workers().rootPath());
        assertTrue(error("serve", "a:b", "--root-path", "app").startsWith("--root-path: the prefix must start with '/'"));
        for (String bad : List.of("/a%2Fb", "/a?b", "/a#b", "/a\nb")) {
            assertTrue(error("serve", "a:b", "--root-path", bad).contains("decoded path"), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"foo", ":app", "a:", "a b:c", "a:b:c", "1a:app", "a.:b", "a:b-c"})
    void malformedApplication(String app) {
        assertTrue(error("serve", app).contains("'"), error("serve", app));
    }

    @Test
    void errorsSayWhatIsWrong() throws IOException {
        assertTrue(error().startsWith("missing command"));
        assertTrue(error("run", "a:b").contains("unknown command 'run'"));
        assertTrue(error("serve").contains("missing MODULE:ATTR"));
        assertTrue(error("serve", "a:b", "c:d").contains("unexpected argument 'c:d'"));
        assertTrue(error("serve", "a:b", "--frobnicate").contains("unknown option '--frobnicate'"));
        assertTrue(error("serve", "a:b", "--workers").contains("needs a value"));
        assertTrue(error("serve", "a:b", "--workers", "two").contains("--workers: expected a whole number"));
        assertTrue(error("serve", "a:b", "--workers", "0").contains("--workers"));
        assertTrue(error("serve", "a:b", "--io-threads", "0").contains("--io-threads"));
        assertTrue(error("serve", "a:b", "--max-requests", "0").contains("--max-requests"));
        assertTrue(error("serve", "a:b", "--worker-max-memory", "-5").contains("--worker-max-memory"));
        assertTrue(error("serve", "a:b", "--max-body-size", "-1").contains("--max-body-size"));
        assertTrue(error("serve", "a:b", "--header-timeout", "0").contains("positive number of seconds"));
        assertTrue(error("serve", "a:b", "--body-timeout", "soon").contains("--body-timeout"));
        assertTrue(error("serve", "a:b", "--debug=yes").contains("takes no value"));
        assertTrue(error("serve", "a:b", "--bind", "8000").contains("--bind"));
        assertTrue(error("serve", "a:b", "--app-dir", "missing").contains("does not exist"));
        assertTrue(error("serve", "a:b", "--python", "/no/such/python").contains("no Python at /no/such/python"));
        Path notExecutable = Files.writeString(home.resolve("py"), "");
        assertTrue(error("serve", "a:b", "--python", notExecutable.toString()).contains("not executable"));
        Files.delete(python);
        assertTrue(error("serve", "a:b").contains("no Python at " + python));
    }

    @Test
    void ceilingNeedsNoPython() throws Exception {
        Files.delete(python);
        assertTrue(serve("serve", "a:b", "--ceiling").ceiling());
    }
}
