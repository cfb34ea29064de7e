package org.wsging.cli;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.wsging.config.AppInterface;
import org.wsging.config.BindAddress;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;
import org.wsging.config.LoggingConfig;
import org.wsging.config.ServerConfig;
import org.wsging.config.TlsConfig;
import org.wsging.config.WebSocketConfig;
import org.wsging.config.WorkerRecycling;
import org.wsging.config.WorkersConfig;

/**
 * Turns {@code serve MODULE:ATTR [options]} into one immutable {@link ServerConfig}. Options are
 * a table (name, whether it takes a value, what it sets), so the parser and the usage text list
 * the same things. Both {@code --opt value} and {@code --opt=value} are accepted.
 */
public final class CommandLineParser {

    /** A dotted Python name: identifiers separated by dots (PEP 3131 letters allowed). */
    private static final Pattern DOTTED_NAME =
            Pattern.compile("[\\p{L}_][\\p{L}\\p{N}_]*(\\.[\\p{L}_][\\p{L}\\p{N}_]*)*");

    private final Map<String, String> env;
    private final Path workingDirectory;

    /**
     * @param env              the process environment (WSGING_HOME)
     * @param workingDirectory the default {@code --app-dir}
     */
    public CommandLineParser(Map<String, String> env, Path workingDirectory) {
        this.env = Map.copyOf(env);
        this.workingDirectory = workingDirectory;
    }

    public Command parse(String... args) throws CommandLineException {
        List<String> list = Arrays.asList(args);
        if (list.contains("--help") || list.contains("-h")) {
            return new Command.Help(Usage.TEXT);
        }
        if (args.length == 0) {
            throw new CommandLineException("missing command; usage: wsging serve MODULE:ATTR [options] (see --help)");
        }
        if (!args[0].equals("serve")) {
            throw new CommandLineException("unknown command '" + args[0] + "'; the command is: serve");
        }
        Builder b = new Builder();
        Map<String, Option> options = optionTable();
        List<String> positional = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                positional.add(arg);
                continue;
            }
            String name = arg;
            String inlineValue = null;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                inlineValue = arg.substring(eq + 1);
            }
            Option option = options.get(name);
            if (option == null) {
                throw new CommandLineException("unknown option '" + name + "' (see --help)");
            }
            String value;
            if (!option.takesValue) {
                if (inlineValue != null) {
                    throw new CommandLineException("option " + name + " takes no value");
                }
                value = null;
            } else if (inlineValue != null) {
                value = inlineValue;
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new CommandLineException("option " + name + " needs a value");
            }
            option.apply.accept(b, new Arg(name, value));
        }
        if (positional.isEmpty()) {
            throw new CommandLineException("missing MODULE:ATTR (for example app:app)");
        }
        if (positional.size() > 1) {
            throw new CommandLineException("unexpected argument '" + positional.get(1) + "'");
        }
        String app = checkApp(positional.get(0));
        return new Command.Serve(b.build(app));
    }

    /** MODULE:ATTR where both sides are dotted Python names; the worker reports import errors. */
    static String checkApp(String app) throws CommandLineException {
        int colon = app.indexOf(':');
        if (colon < 0 || app.indexOf(':', colon + 1) >= 0) {
            throw new CommandLineException("application must be MODULE:ATTR, got '" + app + "'");
        }
        String module = app.substring(0, colon);
        String attr = app.substring(colon + 1);
        if (!DOTTED_NAME.matcher(module).matches()) {
            throw new CommandLineException("invalid module name '" + module + "' in '" + app + "'");
        }
        if (!DOTTED_NAME.matcher(attr).matches()) {
            throw new CommandLineException("invalid attribute name '" + attr + "' in '" + app + "'");
        }
        return app;
    }

    private record Arg(String name, String value) {}

    private interface Setter {
        void accept(Builder b, Arg a) throws CommandLineException;
    }

    private record Option(boolean takesValue, Setter apply) {}

    private static Map<String, Option> optionTable() {
        Map<String, Option> t = new LinkedHashMap<>();
        t.put("--bind", new Option(true, (b, a) -> b.binds.add(bind(a))));
        t.put("--workers", new Option(true, (b, a) -> b.workers = positiveInt(a)));
        t.put("--threads", new Option(true, (b, a) -> b.threads = positiveInt(a)));
        t.put("--inline-sync", new Option(false, (b, a) -> b.inlineSync = true));
        t.put("--app-dir", new Option(true, (b, a) -> b.appDir = path(a)));
        t.put("--python", new Option(true, (b, a) -> b.python = path(a)));
        t.put("--interface", new Option(true, (b, a) -> b.appInterface = appInterface(a)));
        t.put("--debug", new Option(false, (b, a) -> b.debug = true));
        t.put("--access-log", new Option(false, (b, a) -> b.accessLog = true));
        t.put("--max-request-line", new Option(true, (b, a) -> b.maxRequestLine = positiveInt(a)));
        t.put("--max-header-size", new Option(true, (b, a) -> b.maxHeaderSize = positiveInt(a)));
        t.put("--max-headers", new Option(true, (b, a) -> b.maxHeaders = positiveInt(a)));
        t.put("--max-body-size", new Option(true, (b, a) -> b.maxBodySize = nonNegativeLong(a)));
        t.put("--header-timeout", new Option(true, (b, a) -> b.headerTimeout = seconds(a)));
        t.put("--keepalive-timeout", new Option(true, (b, a) -> b.keepAliveTimeout = seconds(a)));
        t.put("--body-timeout", new Option(true, (b, a) -> b.bodyTimeout = seconds(a)));
        // Slow clients and slow handlers
        t.put("--send-timeout", new Option(true, (b, a) -> b.sendTimeout = seconds(a)));
        t.put("--body-min-rate", new Option(true, (b, a) -> b.bodyMinRate = nonNegativeLong(a)));
        t.put("--request-timeout", new Option(true, (b, a) -> b.requestTimeout = secondsOrOff(a)));
        // HTTP/2 (RFC 9113 §6.5.2 ranges)
        t.put("--no-http2", new Option(false, (b, a) -> b.http2 = false));
        t.put("--h2-max-concurrent-streams", new Option(true, (b, a) -> b.h2MaxStreams = positiveInt(a)));
        t.put("--h2-initial-window-size", new Option(true, (b, a) -> b.h2Window = positiveInt(a)));
        t.put("--h2-max-frame-size", new Option(true,
                (b, a) -> b.h2MaxFrame = intIn(a, Http2Config.MIN_FRAME_SIZE, Http2Config.MAX_FRAME_SIZE)));
        t.put("--h2-max-header-list-size", new Option(true, (b, a) -> b.h2MaxHeaderList = positiveInt(a)));
        // WebSocket (spec 9.5, 9.3)
        t.put("--ws-ping-interval", new Option(true, (b, a) -> b.wsPingInterval = secondsOrOff(a)));
        t.put("--ws-ping-timeout", new Option(true, (b, a) -> b.wsPingTimeout = seconds(a)));
        t.put("--ws-idle-timeout", new Option(true, (b, a) -> b.wsIdleTimeout = secondsOrOff(a)));
        t.put("--ws-sync-sessions", new Option(true, (b, a) -> b.wsSyncSessions = positiveInt(a)));
        t.put("--worker-timeout", new Option(true, (b, a) -> b.workerTimeout = seconds(a)));
        t.put("--queue-timeout", new Option(true, (b, a) -> b.queueTimeout = seconds(a)));
        t.put("--graceful-timeout", new Option(true, (b, a) -> b.gracefulTimeout = seconds(a)));
        t.put("--shared-body-slots", new Option(true, (b, a) -> b.sharedBodySlots = sharedBodySlots(a)));
        t.put("--root-path", new Option(true, (b, a) -> b.rootPath = rootPath(a)));
        t.put("--max-requests", new Option(true, (b, a) -> b.maxRequests = positiveInt(a)));
        t.put("--max-requests-jitter", new Option(true, (b, a) -> b.maxRequestsJitter = positiveInt(a)));
        t.put("--worker-max-memory", new Option(true, (b, a) -> b.workerMaxMemoryMb = positiveInt(a)));
        t.put("--io-threads", new Option(true, (b, a) -> b.ioThreads = positiveInt(a)));
        t.put("--ceiling", new Option(false, (b, a) -> b.ceiling = true));
        t.put("--certfile", new Option(true, (b, a) -> b.certFile = path(a)));
        t.put("--keyfile", new Option(true, (b, a) -> b.keyFile = path(a)));
        t.put("--keyfile-password", new Option(true, (b, a) -> b.keyPassword = a.value));
        t.put("--ca-certs", new Option(true, (b, a) -> b.caCerts = path(a)));
        t.put("--cert-reqs", new Option(true, (b, a) -> b.clientCerts = clientCerts(a)));
        return t;
    }

    private static AppInterface appInterface(Arg a) throws CommandLineException {
        AppInterface chosen = AppInterface.byName(a.value);
        if (chosen == null) {
            throw new CommandLineException(a.name + ": expected " + AppInterface.names() + ", got '" + a.value + "'");
        }
        return chosen;
    }

    private static BindAddress bind(Arg a) throws CommandLineException {
        try {
            return BindAddress.parse(a.value);
        } catch (IllegalArgumentException e) {
            throw new CommandLineException(a.name + ": " + e.getMessage());
        }
    }

    private static int positiveInt(Arg a) throws CommandLineException {
        long v;
        try {
            v = Long.parseLong(a.value);
        } catch (NumberFormatException e) {
            v = -1;
        }
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new CommandLineException(a.name + ": expected a whole number from 1 to "
                    + Integer.MAX_VALUE + ", got '" + a.value + "'");
        }
        return (int) v;
    }

    private static int intIn(Arg a, int min, int max) throws CommandLineException {
        try {
            int v = Integer.parseInt(a.value);
            if (v >= min && v <= max) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLineException(a.name + ": expected a whole number from " + min + " to " + max
                + ", got '" + a.value + "'");
    }

    private static long nonNegativeLong(Arg a) throws CommandLineException {
        try {
            long v = Long.parseLong(a.value);
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLineException(a.name + ": expected a non-negative whole number, got '" + a.value + "'");
    }

    private static int sharedBodySlots(Arg a) throws CommandLineException {
        try {
            int v = Integer.parseInt(a.value);
            if (v >= 0 && v <= WorkersConfig.MAX_SHARED_BODY_SLOTS) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new CommandLineException(a.name + ": expected a whole number from 0 to "
                + WorkersConfig.MAX_SHARED_BODY_SLOTS + ", got '" + a.value + "'");
    }

    /** Seconds, fractions allowed (0.5); zero or less is refused: a zero timeout would reject everything. */
    private static Duration seconds(Arg a) throws CommandLineException {
        try {
            BigDecimal s = new BigDecimal(a.value);
            if (s.signum() > 0 && s.compareTo(BigDecimal.valueOf(365L * 24 * 3600)) <= 0) {
                return Duration.ofNanos(s.movePointRight(9).longValue());
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below
        }
        throw new CommandLineException(a.name + ": expected a positive number of seconds, got '" + a.value + "'");
    }

    /** A mount prefix; trailing slashes are dropped ("/app/" is "/app", "/" is none). */
    private static String rootPath(Arg a) throws CommandLineException {
        String value = a.value;
        int end = value.length();
        while (end > 0 && value.charAt(end - 1) == '/') {
            end--;
        }
        value = value.substring(0, end);
        String problem = WorkersConfig.rootPathProblem(value);
        if (problem != null) {
            throw new CommandLineException(a.name + ": the prefix " + problem + ", got '" + a.value + "'");
        }
        return value;
    }

    /** Like {@link #seconds}, or {@code off} (or 0) for no limit, as null. */
    private static Duration secondsOrOff(Arg a) throws CommandLineException {
        if (a.value.equals("off") || a.value.equals("0")) {
            return null;
        }
        try {
            return seconds(a);
        } catch (CommandLineException e) {
            throw new CommandLineException(a.name + ": expected a positive number of seconds or 'off', got '"
                    + a.value + "'");
        }
    }

    private static TlsConfig.ClientCerts clientCerts(Arg a) throws CommandLineException {
        TlsConfig.ClientCerts mode = TlsConfig.ClientCerts.parse(a.value);
        if (mode == null) {
            throw new CommandLineException(a.name + ": expected none, optional or required, got '" + a.value + "'");
        }
        return mode;
    }

    private static Path path(Arg a) throws CommandLineException {
        try {
            if (a.value.isEmpty()) {
                throw new InvalidPathException(a.value, "empty");
            }
            return Path.of(a.value);
        } catch (InvalidPathException e) {
            throw new CommandLineException(a.name + ": invalid path '" + a.value + "'");
        }
    }

    /** Collects option values; {@link #build} checks the file system and makes the records. */
    private final class Builder {
        final List<BindAddress> binds = new ArrayList<>();
        int workers = 1;
        int threads = 32;
        boolean inlineSync;
        Path appDir;
        Path python;
        boolean debug;
        boolean accessLog;
        int maxRequestLine = Http1Config.Limits.DEFAULT.maxRequestLine();
        int maxHeaderSize = Http1Config.Limits.DEFAULT.maxHeaderSize();
        int maxHeaders = Http1Config.Limits.DEFAULT.maxHeaders();
        long maxBodySize = Http1Config.Limits.DEFAULT.maxBodySize();
        Duration headerTimeout = Http1Config.Timeouts.DEFAULT.header();
        Duration keepAliveTimeout = Http1Config.Timeouts.DEFAULT.keepAlive();
        Duration bodyTimeout = Http1Config.Timeouts.DEFAULT.body();
        Duration sendTimeout = Http1Config.Timeouts.DEFAULT.send();
        long bodyMinRate = Http1Config.Timeouts.DEFAULT.bodyMinRate();
        Duration requestTimeout = Http1Config.Timeouts.DEFAULT.request();
        Duration workerTimeout = Duration.ofSeconds(30);
        Duration queueTimeout = Duration.ofSeconds(30);
        Duration gracefulTimeout = Duration.ofSeconds(30);
        int sharedBodySlots = WorkersConfig.DEFAULT_SHARED_BODY_SLOTS;
        String rootPath = "";
        int maxRequests;
        int maxRequestsJitter;
        int workerMaxMemoryMb;
        boolean ceiling;
        boolean http2 = Http2Config.DEFAULT.enabled();
        int h2MaxStreams = Http2Config.DEFAULT.maxConcurrentStreams();
        int h2Window = Http2Config.DEFAULT.initialWindowSize();
        int h2MaxFrame = Http2Config.DEFAULT.maxFrameSize();
        int h2MaxHeaderList = Http2Config.DEFAULT.maxHeaderListSize();
        Duration wsPingInterval = WebSocketConfig.DEFAULT_PING_INTERVAL;
        Duration wsPingTimeout = WebSocketConfig.DEFAULT_PING_TIMEOUT;
        Duration wsIdleTimeout; // null: sessions are never closed for being idle
        int wsSyncSessions = WorkersConfig.DEFAULT_WS_SYNC_SESSIONS;
        AppInterface appInterface = AppInterface.NG;
        Path certFile;
        Path keyFile;
        String keyPassword;
        Path caCerts;
        TlsConfig.ClientCerts clientCerts;
        int ioThreads = ServerConfig.defaultIoThreads(Runtime.getRuntime().availableProcessors());

        ServerConfig build(String app) throws CommandLineException {
            Path dir = (appDir == null ? workingDirectory : workingDirectory.resolve(appDir))
                    .toAbsolutePath().normalize();
            if (!Files.isDirectory(dir)) {
                throw new CommandLineException("app directory " + dir + " does not exist");
            }
            Path home = WsgingHome.locate(env);
            Path interpreter = python != null
                    ? workingDirectory.resolve(python).toAbsolutePath()
                    : home.resolve(".venv/bin/python");
            // --ceiling answers from Java alone, so it needs no interpreter.
            if (!ceiling) {
                if (!Files.exists(interpreter)) {
                    throw new CommandLineException("no Python at " + interpreter
                            + (python == null ? " (create the virtualenv or pass --python)" : ""));
                }
                if (Files.isDirectory(interpreter) || !Files.isExecutable(interpreter)) {
                    throw new CommandLineException("Python at " + interpreter + " is not executable");
                }
            }
            List<BindAddress> addresses = binds.isEmpty() ? List.of(new BindAddress("127.0.0.1", 8000)) : binds;
            var workersConfig = new WorkersConfig(app, dir, interpreter, home.resolve("python/src"),
                    workers, threads, workerTimeout, queueTimeout, gracefulTimeout, debug, inlineSync, sharedBodySlots,
                    rootPath,
                    new WorkerRecycling(maxRequests, maxRequestsJitter, workerMaxMemoryMb * 1024L * 1024L),
                    wsSyncSessions, appInterface);
            var http1 = new Http1Config(
                    new Http1Config.Limits(maxRequestLine, maxHeaderSize, maxHeaders, maxBodySize),
                    new Http1Config.Timeouts(headerTimeout, keepAliveTimeout, bodyTimeout, bodyMinRate,
                            sendTimeout, requestTimeout));
            var http2Config = new Http2Config(http2, h2MaxStreams, h2Window, h2MaxFrame, h2MaxHeaderList);
            var websocket = new WebSocketConfig(wsPingInterval, wsPingTimeout, WebSocketConfig.DEFAULT_CLOSE_TIMEOUT,
                    wsIdleTimeout);
            return new ServerConfig(addresses, http1, workersConfig, new LoggingConfig(accessLog), ceiling, ioThreads,
                    http2Config, tls(), websocket);
        }

        /** TLS when --certfile is given; the files are read and checked when the server starts. */
        private TlsConfig tls() throws CommandLineException {
            if (certFile == null) {
                String stray = keyFile != null ? "--keyfile" : keyPassword != null ? "--keyfile-password"
                        : caCerts != null ? "--ca-certs" : clientCerts != null ? "--cert-reqs" : null;
                if (stray != null) {
                    throw new CommandLineException(stray + " needs --certfile (TLS is on only with a certificate)");
                }
                return null;
            }
            if (keyFile == null) {
                throw new CommandLineException("--certfile needs --keyfile, the certificate's private key");
            }
            TlsConfig.ClientCerts mode = clientCerts == null ? TlsConfig.ClientCerts.NONE : clientCerts;
            if (mode != TlsConfig.ClientCerts.NONE && caCerts == null) {
                throw new CommandLineException("--cert-reqs " + mode.name().toLowerCase(java.util.Locale.ROOT)
                        + " needs --ca-certs, the authorities client certificates must chain to");
            }
            return new TlsConfig(workingDirectory.resolve(certFile), workingDirectory.resolve(keyFile), keyPassword,
                    caCerts == null ? null : workingDirectory.resolve(caCerts), mode);
        }
    }
}
