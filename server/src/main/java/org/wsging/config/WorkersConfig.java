package org.wsging.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How worker processes are started and supervised. Built once from the command line.
 *
 * @param app             "module:attribute" of the application
 * @param appDir          directory put first on the worker's sys.path and used as its cwd
 * @param python          the CPython interpreter that runs workers
 * @param packagePath     directory that contains the {@code wsging} package (added to PYTHONPATH,
 *                        so the user's interpreter needs nothing installed)
 * @param count           number of worker processes
 * @param threads         thread-pool size for sync applications in each worker
 * @param timeout         a worker that leaves a link PING unanswered this long is killed (hung)
 * @param queueTimeout    how long a request may wait for a free worker before 503
 * @param gracefulTimeout how long shutdown waits for in-flight requests
 * @param debug           tracebacks in 500 responses (never by default)
 * @param inlineSync      sync applications are called on the worker's event-loop thread while
 *                        their calls are fast (no thread hand-off; see --inline-sync)
 * @param sharedBodySlots slots of shared body memory per direction on each worker link (spec A.2);
 *                        0 sends every body through the socket
 * @param rootPath        the prefix the application is mounted at, decoded ("" or "/a/b", never a
 *                        trailing "/"): every request's {@code root_path} (spec 5.1)
 * @param recycling       when a working worker is replaced anyway (request count, memory)
 * @param wsSyncSessions  sync WebSocket sessions each worker runs at once, a thread each; an
 *                        acceptance past it gets 503 (spec 9.3); passed to workers, unused here
 * @param appInterface    what kind of callable {@code app} is (--interface); the worker adapts it
 */
public record WorkersConfig(
        String app,
        Path appDir,
        Path python,
        Path packagePath,
        int count,
        int threads,
        Duration timeout,
        Duration queueTimeout,
        Duration gracefulTimeout,
        boolean debug,
        boolean inlineSync,
        int sharedBodySlots,
        String rootPath,
        WorkerRecycling recycling,
        int wsSyncSessions,
        AppInterface appInterface) {

    public static final int DEFAULT_SHARED_BODY_SLOTS = 128;
    /** So many slots of 64 KiB each way still map as one buffer (a file under 2 GiB). */
    public static final int MAX_SHARED_BODY_SLOTS = Integer.MAX_VALUE / (2 * 65_536);
    public static final int DEFAULT_WS_SYNC_SESSIONS = 256;

    public WorkersConfig {
        if (sharedBodySlots < 0 || sharedBodySlots > MAX_SHARED_BODY_SLOTS) {
            throw new IllegalArgumentException("shared body slots must be 0 to " + MAX_SHARED_BODY_SLOTS
                    + ", not " + sharedBodySlots);
        }
        String problem = rootPathProblem(rootPath);
        if (problem != null) {
            throw new IllegalArgumentException("root path " + problem);
        }
        java.util.Objects.requireNonNull(recycling);
        java.util.Objects.requireNonNull(appInterface);
        if (wsSyncSessions < 1) {
            throw new IllegalArgumentException("sync WebSocket sessions must be 1 or more, not " + wsSyncSessions);
        }
    }

    /** A WSGI-NG application (--interface ng). */
    public WorkersConfig(String app, Path appDir, Path python, Path packagePath, int count, int threads,
            Duration timeout, Duration queueTimeout, Duration gracefulTimeout, boolean debug, boolean inlineSync,
            int sharedBodySlots, String rootPath, WorkerRecycling recycling, int wsSyncSessions) {
        this(app, appDir, python, packagePath, count, threads, timeout, queueTimeout, gracefulTimeout, debug,
                inlineSync, sharedBodySlots, rootPath, recycling, wsSyncSessions, AppInterface.NG);
    }

    /** With the default cap of sync WebSocket sessions. */
    public WorkersConfig(String app, Path appDir, Path python, Path packagePath, int count, int threads,
            Duration timeout, Duration queueTimeout, Duration gracefulTimeout, boolean debug, boolean inlineSync,
            int sharedBodySlots, String rootPath, WorkerRecycling recycling) {
        this(app, appDir, python, packagePath, count, threads, timeout, queueTimeout, gracefulTimeout, debug,
                inlineSync, sharedBodySlots, rootPath, recycling, DEFAULT_WS_SYNC_SESSIONS);
    }

    /** Mounted at no prefix, without recycling. */
    public WorkersConfig(String app, Path appDir, Path python, Path packagePath, int count, int threads,
            Duration timeout, Duration queueTimeout, Duration gracefulTimeout, boolean debug, boolean inlineSync,
            int sharedBodySlots) {
        this(app, appDir, python, packagePath, count, threads, timeout, queueTimeout, gracefulTimeout, debug,
                inlineSync, sharedBodySlots, "", WorkerRecycling.NONE);
    }

    /**
     * Why {@code rootPath} cannot be a mount prefix, or null when it can: "" or "/" followed by
     * path text, without a trailing "/" (ASGI's root_path), and decoded, so without "%", and
     * without "?", "#" or control characters, which no decoded path segment holds.
     */
    public static String rootPathProblem(String rootPath) {
        if (rootPath.isEmpty()) {
            return null;
        }
        if (rootPath.charAt(0) != '/') {
            return "must start with '/'";
        }
        if (rootPath.endsWith("/")) {
            return "must not end with '/'";
        }
        for (int i = 0; i < rootPath.length(); i++) {
            char c = rootPath.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '?' || c == '#' || c == '%') {
                return "must be a decoded path without '?', '#', '%' or control characters";
            }
        }
        return null;
    }

    /** Without inline sync calls, with the default shared body memory. */
    public WorkersConfig(String app, Path appDir, Path python, Path packagePath, int count, int threads,
            Duration timeout, Duration queueTimeout, Duration gracefulTimeout, boolean debug) {
        this(app, appDir, python, packagePath, count, threads, timeout, queueTimeout, gracefulTimeout, debug, false,
                DEFAULT_SHARED_BODY_SLOTS, "", WorkerRecycling.NONE);
    }
}
