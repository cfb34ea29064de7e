package org.wsging.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.WorkerStream;

/**
 * The pool with real processes over the real Unix socket: a small Python stand-in for the worker
 * (test resource fake_worker.py) is installed as {@code wsging.worker} in a temporary directory.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerPoolTest {
    @TempDir
    Path tmp;

    private EventLoopGroup group;
    private EventExecutor frontEnd;
    private WorkerPool pool;
    private final ByteArrayOutputStream stderrBytes = new ByteArrayOutputStream();
    private final List<String> logged = new CopyOnWriteArrayList<>();
    private final Handler logCapture = new Handler() {
        public void publish(LogRecord r) {
            logged.add(r.getMessage());
        }

        public void flush() {}

        public void close() {}
    };

    static Path python() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "python3");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    @BeforeEach
    void setUp() throws IOException {
        Path pkg = tmp.resolve("pkg");
        Path worker = Files.createDirectories(pkg.resolve("wsging").resolve("worker"));
        Files.writeString(pkg.resolve("wsging").resolve("__init__.py"), "");
        Files.writeString(worker.resolve("__init__.py"), "");
        try (InputStream in = WorkerPoolTest.class.getResourceAsStream("fake_worker.py")) {
            Files.write(worker.resolve("__main__.py"), in.readAllBytes());
        }
        Files.createDirectories(tmp.resolve("app"));
        frontEnd = new DefaultEventExecutor();
        Logger.getLogger(WorkerPool.class.getName()).addHandler(logCapture);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (pool != null) {
            pool.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
        frontEnd.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        Logger.getLogger(WorkerPool.class.getName()).removeHandler(logCapture);
    }

    private WorkerPool pool(String app, int count, Duration queueTimeout, IoHandlerFactory io) {
        Path python = python();
        assumeTrue(python != null, "python3 is needed for the stand-in worker");
        group = new MultiThreadIoEventLoopGroup(2, io);
        WorkersConfig config = new WorkersConfig(app, tmp.resolve("app"), python, tmp.resolve("pkg"), count, 4,
                Duration.ofSeconds(30), queueTimeout, Duration.ofSeconds(5), false);
        pool = new WorkerPool(config, group, LinkSettings.of(config),
                new PrintStream(stderrBytes, true, StandardCharsets.UTF_8));
        return pool;
    }

    private WorkerPool recyclingPool(int maxRequests) {
        Path python = python();
        assumeTrue(python != null, "python3 is needed for the stand-in worker");
        group = new MultiThreadIoEventLoopGroup(2, nativeIo());
        WorkersConfig config = new WorkersConfig("serve:10", tmp.resolve("app"), python, tmp.resolve("pkg"), 1, 4,
                Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofSeconds(5), false, false,
                WorkersConfig.DEFAULT_SHARED_BODY_SLOTS, "", new org.wsging.config.WorkerRecycling(maxRequests, 0, 0));
        pool = new WorkerPool(config, group, LinkSettings.of(config),
                new PrintStream(stderrBytes, true, StandardCharsets.UTF_8));
        return pool;
    }

    @Test
    void maxRequestsReplacesTheWorkerOnlyOnceItsReplacementServes() throws Exception {
        recyclingPool(3).start().get(20, TimeUnit.SECONDS);
        List<String> pids = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            pids.add(serve("/" + i));
        }
        String first = pids.get(0);
        assertEquals(List.of(first, first, first), pids);
        // The replacement is starting: the old worker keeps serving meanwhile, then the new one does.
        String later = serve("/later");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (later.equals(first) && System.nanoTime() < deadline) {
            later = serve("/later");
        }
        assertNotEquals(first, later, "a replacement took over");
        assertTrue(logged.contains("worker 1 (pid " + first + ") served 3 requests; replacing it (it finishes its requests first)"),
                logged.toString());
        assertFalse(logged.stream().anyMatch(l -> l.contains("restarting")), logged.toString());
    }

    private static IoHandlerFactory nativeIo() {
        return Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    private static RequestHead get(String path) {
        return new RequestHead(HttpVersion.HTTP_1_1, "http", "GET", path, "", null, null, 0, 0, List.of(), false, false);
    }

    private WorkerStream open(RecordingListener l, String path) {
        return pool.open(get(path), frontEnd, l);
    }

    /** Serves one request and returns the worker's pid from the x-pid header. */
    private String serve(String path) throws InterruptedException {
        RecordingListener l = new RecordingListener();
        open(l, path);
        String response = l.next();
        assertTrue(response.startsWith("response 200 [x-pid: "), response);
        assertEquals("data " + path + " end", l.next());
        return response.substring("response 200 [x-pid: ".length(), response.length() - 1);
    }

    @Test
    void servesRequestsOverEpollOrNio() throws Exception {
        pool("serve:10", 2, Duration.ofSeconds(10), nativeIo()).start().get(20, TimeUnit.SECONDS);
        Path socket = pool.socketPath();
        assertTrue(Files.exists(socket));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket.getParent())));
        serve("/a");
        serve("/b");
        pool.shutdown(Duration.ofSeconds(2)).get(20, TimeUnit.SECONDS);
        assertFalse(Files.exists(socket.getParent()), "the socket directory is removed at shutdown");
        RecordingListener late = new RecordingListener();
        open(late, "/late");
        assertEquals("failure UNAVAILABLE", late.next());
    }

    @Test
    void bodiesCrossSharedMemoryBetweenProcessesAndItsNameIsGoneOnceMapped() throws Exception {
        assumeTrue(SharedBodies.available(SharedBodies.DIRECTORY), "needs " + SharedBodies.DIRECTORY);
        pool("shared:10", 1, Duration.ofSeconds(10), nativeIo()).start().get(20, TimeUnit.SECONDS);
        serve("/a"); // answered after the worker's ACK of BODY_MEMORY, so the link is set up
        String prefix = "wsging-" + ProcessHandle.current().pid() + "-1-";
        try (var names = Files.list(SharedBodies.DIRECTORY)) {
            assertEquals(List.of(), names.filter(p -> p.getFileName().toString().startsWith(prefix)).toList());
        }

        String body = "0123456789abcdef".repeat(1250); // 20000 bytes: one slot each way
        RecordingListener echo = new RecordingListener();
        WorkerStream s = pool.open(new RequestHead(HttpVersion.HTTP_1_1, "http", "POST", "/echo", "", null, null,
                body.length(), 0, List.of(), true, false), frontEnd, echo);
        s.sendData(Unpooled.copiedBuffer(body, StandardCharsets.ISO_8859_1), true);
        assertEquals("window 65536", echo.next());
        String response = echo.next();
        assertTrue(response.endsWith(", x-shared-in: 1]"), "the request body came as SHARED_DATA: " + response);
        // The listener copies the bytes and releases the buffer on the front end's executor, not
        // the link's loop: the RELEASE has to hop over to it.
        assertEquals("data " + body + " end", echo.next());
        RecordingListener released = new RecordingListener();
        open(released, "/released");
        assertTrue(released.next().startsWith("response 200"));
        assertEquals("data [0] end", released.next(), "the worker got its slot back, once");
    }

    @Test
    void theNioFallbackWorks() throws Exception {
        pool("serve:10", 1, Duration.ofSeconds(10), NioIoHandler.newFactory()).start().get(20, TimeUnit.SECONDS);
        serve("/nio");
    }

    @Test
    void requestsBeyondMaxStreamsWaitInOrderAndTimeOut() throws Exception {
        pool("serve:1", 1, Duration.ofSeconds(30), nativeIo()).start().get(20, TimeUnit.SECONDS);
        RecordingListener held = new RecordingListener();
        WorkerStream hold = open(held, "/hold");
        RecordingListener first = new RecordingListener();
        RecordingListener second = new RecordingListener();
        open(first, "/first");
        open(second, "/second");
        hold.reset(ResetCode.CANCEL); // frees the only slot: the queue moves, first in first out
        assertTrue(first.next().startsWith("response 200"));
        assertEquals("data /first end", first.next());
        assertTrue(second.next().startsWith("response 200"));
        assertEquals("data /second end", second.next());
        assertEquals(List.of(), held.drain());
    }

    @Test
    void aRequestQueuedTooLongGetsUnavailable() throws Exception {
        pool("serve:1", 1, Duration.ofMillis(200), nativeIo()).start().get(20, TimeUnit.SECONDS);
        open(new RecordingListener(), "/hold");
        RecordingListener waiting = new RecordingListener();
        open(waiting, "/never");
        assertEquals("failure UNAVAILABLE", waiting.next());
    }

    @Test
    void aCrashedWorkerFailsItsStreamsAndIsReplacedWithoutLosingTheQueue() throws Exception {
        pool("serve:1", 1, Duration.ofSeconds(30), nativeIo()).start().get(20, TimeUnit.SECONDS);
        String before = serve("/a");
        RecordingListener crashing = new RecordingListener();
        open(crashing, "/crash");
        RecordingListener queued = new RecordingListener();
        open(queued, "/after");
        assertEquals("failure WORKER_CRASHED", crashing.next());
        String response = queued.next();
        assertTrue(response.startsWith("response 200"), response);
        assertNotEquals("response 200 [x-pid: " + before + "]", response, "served by the replacement");
        assertEquals("data /after end", queued.next());
        assertTrue(logged.contains("worker 1 (pid " + before + ") exited with signal 9; restarting"),
                logged.toString());
    }

    @Test
    void aWorkerThatCannotLoadTheAppFailsStartWithItsOwnLineShownOnce() throws Exception {
        pool("fail:x", 2, Duration.ofSeconds(10), nativeIo());
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.start().get(20, TimeUnit.SECONDS));
        WorkerStartupException cause = assertInstanceOf(WorkerStartupException.class, e.getCause());
        assertEquals("cannot import module 'fail' (fake)", cause.getMessage());
        pool.shutdown(Duration.ofSeconds(1)).get(20, TimeUnit.SECONDS);
        assertFalse(stderrBytes.toString(StandardCharsets.UTF_8).contains(cause.getMessage()),
                "the line is reported by the exception, not also copied to stderr");
    }

    @Test
    void aMissingInterpreterFailsStart() throws Exception {
        Path python = python();
        assumeTrue(python != null);
        group = new MultiThreadIoEventLoopGroup(1, nativeIo());
        WorkersConfig config = new WorkersConfig("serve:1", tmp.resolve("app"), tmp.resolve("no-python"),
                tmp.resolve("pkg"), 1, 4, Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1), false);
        pool = new WorkerPool(config, group);
        ExecutionException e = assertThrows(ExecutionException.class, () -> pool.start().get(20, TimeUnit.SECONDS));
        assertTrue(e.getCause().getMessage().startsWith("cannot run " + tmp.resolve("no-python")),
                e.getCause().getMessage());
    }
}
