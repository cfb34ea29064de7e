package org.wsging.worker;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.wsging.config.WorkersConfig;

/**
 * One {@code PYTHON -m wsging.worker} process: started with the link's environment, its stderr
 * copied line by line to ours, its exit observed. Before the worker says HELLO, a stderr line
 * starting {@code wsging: } is held back: if the worker then exits with status 3 that line
 * becomes the startup error (shown once, by whoever reports it); otherwise it is printed late.
 */
final class WorkerProcess {
    static final String NOTICE_PREFIX = "wsging: ";

    private final int workerId;
    private final Process process;
    private final PrintStream stderr;
    private final CompletableFuture<Void> stderrDone = new CompletableFuture<>();
    private final CompletableFuture<ExitStatus> exit;
    private final Object heldLock = new Object();
    private byte[] heldLine;
    private boolean helloSeen;

    private WorkerProcess(int workerId, Process process, PrintStream stderr) {
        this.workerId = workerId;
        this.process = process;
        this.stderr = stderr;
        Thread pump = new Thread(this::pumpStderr, "wsging-worker-" + workerId + "-stderr");
        pump.setDaemon(true);
        pump.start();
        // Report the exit only after stderr is drained, so a held line is complete; a grandchild
        // that keeps the pipe open must not delay it for long.
        this.exit = process.onExit().thenCompose(p -> stderrDone
                .completeOnTimeout(null, 2, java.util.concurrent.TimeUnit.SECONDS)
                .thenApply(v -> new ExitStatus(p.exitValue())));
    }

    static WorkerProcess start(WorkersConfig config, int workerId, Path linkPath, PrintStream stderr) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(config.python().toString(), "-m", "wsging.worker");
        pb.directory(config.appDir().toFile());
        pb.redirectOutput(ProcessBuilder.Redirect.INHERIT);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectError(ProcessBuilder.Redirect.PIPE);
        environment(pb.environment(), config, workerId, linkPath);
        return new WorkerProcess(workerId, pb.start(), stderr);
    }

    /** What a worker is told through its environment (spec A.1, and the worker's settings). */
    static void environment(Map<String, String> env, WorkersConfig config, int workerId, Path linkPath) {
        env.put("WSGING_LINK", linkPath.toString());
        env.put("WSGING_WORKER_ID", Integer.toString(workerId));
        env.put("WSGING_APP", config.app());
        env.put("WSGING_INTERFACE", config.appInterface().cliName());
        env.put("WSGING_APP_DIR", config.appDir().toString());
        env.put("WSGING_THREADS", Integer.toString(config.threads()));
        env.put("WSGING_DEBUG", config.debug() ? "1" : "0");
        env.put("WSGING_INLINE_SYNC", config.inlineSync() ? "1" : "0");
        env.put("WSGING_ROOT_PATH", config.rootPath());
        env.put("WSGING_WS_SYNC_SESSIONS", Integer.toString(config.wsSyncSessions()));
        keepMallocTop(env);
        String existing = env.get("PYTHONPATH");
        env.put("PYTHONPATH", config.packagePath().toString()
                + (existing == null || existing.isEmpty() ? "" : java.io.File.pathSeparator + existing));
    }

    /** Bytes glibc's malloc keeps at the top of the worker's heap (unless the user set it). */
    static final String MALLOC_TOP_PAD = Integer.toString(4 << 20);

    /**
     * A body piece is a 64 KiB bytes object in the worker, made and freed per piece: below the
     * mmap threshold, so glibc takes it from the heap's top and, when it is freed, gives the top
     * back to the kernel, only to fault it in again for the next piece. A 100 KB streamed echo
     * paid about 18 page faults and 40 µs of kernel time per request for that; keeping 4 MiB at
     * the top stops it. Other C libraries ignore the variable.
     */
    static void keepMallocTop(Map<String, String> env) {
        env.putIfAbsent("MALLOC_TOP_PAD_", MALLOC_TOP_PAD);
    }

    int workerId() {
        return workerId;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Completes when the process has exited and its stderr has been copied. */
    CompletableFuture<ExitStatus> exit() {
        return exit;
    }

    /** The worker is up: nothing more is held back. */
    void helloReceived() {
        byte[] line;
        synchronized (heldLock) {
            helloSeen = true;
            line = heldLine;
            heldLine = null;
        }
        if (line != null) {
            stderr.write(line, 0, line.length);
        }
    }

    /**
     * Takes the held {@code wsging: ...} line (without its newline) out of the stream, or null.
     * Call once the exit is known, to report it instead of printing it.
     */
    String takeStartupNotice() {
        synchronized (heldLock) {
            byte[] line = heldLine;
            heldLine = null;
            if (line == null) {
                return null;
            }
            return new String(line, StandardCharsets.UTF_8).stripTrailing();
        }
    }

    /** Prints a held line that nobody reported. */
    void releaseHeld() {
        helloReceived();
    }

    /** SIGKILL. */
    void kill() {
        process.destroyForcibly();
    }

    private void pumpStderr() {
        try (InputStream in = new BufferedInputStream(process.getErrorStream())) {
            ByteArrayOutputStream line = new ByteArrayOutputStream(256);
            int b;
            while ((b = in.read()) != -1) {
                line.write(b);
                if (b == '\n') {
                    emit(line.toByteArray());
                    line.reset();
                }
            }
            if (line.size() > 0) {
                line.write('\n');
                emit(line.toByteArray());
            }
        } catch (IOException e) {
            // The pipe broke with the process: nothing more to copy.
        } finally {
            stderrDone.complete(null);
        }
    }

    private void emit(byte[] line) {
        byte[] earlier;
        synchronized (heldLock) {
            earlier = heldLine;
            heldLine = null;
            if (!helloSeen && startsWithNotice(line)) {
                heldLine = line;
                line = null;
            }
        }
        // Whole lines go out in one write, so the lines of several workers never interleave.
        if (earlier != null) {
            stderr.write(earlier, 0, earlier.length);
        }
        if (line != null) {
            stderr.write(line, 0, line.length);
        }
    }

    private static boolean startsWithNotice(byte[] line) {
        byte[] prefix = NOTICE_PREFIX.getBytes(StandardCharsets.US_ASCII);
        if (line.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (line[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
