package org.wsging.worker;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.wsging.config.WorkerRecycling;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WorkerDispatcher;
import org.wsging.exchange.WorkerStream;
import org.wsging.worker.link.FrameDecoder;
import org.wsging.worker.link.FrameEncoder;

/**
 * The worker processes and their links. Dispatch ({@link #open}) is lock-free and runs on the
 * caller's thread: it reserves a slot on the least-loaded live worker with room (MAX_STREAMS) or
 * puts the request in a FIFO queue. Supervision (start, crash, restart, shutdown) is confined to
 * one event loop of the group, so its state needs no locks either.
 */
public final class WorkerPool implements WorkerDispatcher {
    private static final System.Logger LOG = System.getLogger(WorkerPool.class.getName());
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /** After the links close, workers get this long to run their lifespan exit and exit
     * (before workers ignored SIGTERM: 3 s, then SIGTERM, 2 s more, then SIGKILL). */
    private static final Duration EXIT_AFTER_CLOSE = Duration.ofSeconds(5);
    /** After a broken link, this long for the worker to notice and exit before SIGKILL. */
    private static final Duration EXIT_AFTER_TERM = Duration.ofSeconds(2);
    /** How often the supervisor reads the workers' resident memory (--worker-max-memory). */
    private static final Duration MEMORY_CHECK_EVERY = Duration.ofSeconds(1);

    /** One worker position (ids 1..count); a replacement takes its predecessor's slot and id. */
    private static final class Slot {
        final int id;
        WorkerProcess process;
        WorkerLink link;
        boolean up;
        Duration backoff = FIRST_BACKOFF;
        ScheduledFuture<?> respawn;
        /** The worker being replaced while it still works (recycling): it keeps getting requests
         * until the replacement says HELLO, then gets GOAWAY and drains. */
        WorkerLink retiring;
        WorkerProcess retiringProcess;
        /** The current worker was over the memory ceiling when it said HELLO (its application
         * loaded and started): replacing it would only start another such worker, again and again. */
        boolean memoryExempt;

        Slot(int id) {
            this.id = id;
        }
    }

    private final WorkersConfig config;
    private final EventLoopGroup group;
    private final EventLoop supervisor;
    private final LinkSettings linkSettings;
    private final PrintStream stderr;
    private final Slot[] slots;
    private final ConcurrentLinkedDeque<LinkStream> queue = new ConcurrentLinkedDeque<>();
    private final CompletableFuture<Void> started = new CompletableFuture<>();
    private final Owner owner = new Owner();
    /** Workers that asked to go (GOAWAY) and were replaced: they finish their streams, then exit. */
    private final Set<WorkerProcess> retiredProcesses = new HashSet<>();
    private final Set<WorkerLink> retiredLinks = new HashSet<>();
    /** Requests bound per live link, when --max-requests is set (else empty and never read). */
    private final java.util.concurrent.ConcurrentHashMap<WorkerLink, RequestBudget> budgets =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final boolean countRequests;
    private ScheduledFuture<?> memoryCheck;

    private volatile WorkerLink[] live = new WorkerLink[0];
    private volatile boolean shuttingDown;
    /** Cleared when the server begins to shut down: a worker that exits then is not replaced. */
    private volatile boolean restarting = true;
    private CompletableFuture<Void> stopped;
    private LinkServer server;

    public WorkerPool(WorkersConfig config, EventLoopGroup group) {
        this(config, group, LinkSettings.of(config), System.err);
    }

    WorkerPool(WorkersConfig config, EventLoopGroup group, LinkSettings linkSettings, PrintStream stderr) {
        if (config.count() < 1) {
            throw new IllegalArgumentException("at least one worker is needed, not " + config.count());
        }
        this.config = config;
        this.group = group;
        this.supervisor = group.next();
        this.linkSettings = linkSettings;
        this.stderr = stderr;
        this.countRequests = config.recycling().byRequests();
        this.slots = new Slot[config.count()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new Slot(i + 1);
        }
    }

    /**
     * Opens the link socket and starts every worker. Completes when all have said HELLO; fails
     * with {@link WorkerStartupException} when one cannot start. Call it from a thread that is
     * not an event loop (binding waits).
     */
    public CompletableFuture<Void> start() {
        try {
            PythonVersion.check(config.python());
        } catch (WorkerStartupException e) {
            started.completeExceptionally(e);
            return started;
        }
        try {
            server = LinkServer.bind(group, new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new FrameDecoder(), FrameEncoder.INSTANCE, new WorkerLink(linkSettings, owner));
                }
            });
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(new WorkerStartupException("cannot open the worker link: " + e.getMessage()));
            return started;
        }
        supervisor.execute(() -> {
            for (Slot slot : slots) {
                spawn(slot);
            }
            if (config.recycling().byMemory()) {
                long every = MEMORY_CHECK_EVERY.toNanos();
                memoryCheck = supervisor.scheduleAtFixedRate(this::checkMemory, every, every, TimeUnit.NANOSECONDS);
            }
        });
        return started;
    }

    /** The socket workers connect to (for diagnostics and tests). */
    java.nio.file.Path socketPath() {
        return server.socketPath();
    }

    // ---------------------------------------------------------------- dispatch (any thread, no locks)

    @Override
    public WorkerStream open(RequestHead head, EventExecutor executor, ExchangeListener listener) {
        LinkStream stream = new LinkStream(head, executor, listener);
        if (shuttingDown) {
            stream.failUnbound(StreamFailure.UNAVAILABLE);
            return stream;
        }
        if (queue.isEmpty()) {
            WorkerLink link = reserve(executor);
            if (link != null) {
                link.bind(stream);
                if (countRequests) {
                    countRequest(link);
                }
                return stream;
            }
        }
        enqueue(stream, false);
        return stream;
    }

    private void enqueue(LinkStream stream, boolean front) {
        long timeout = config.queueTimeout().toNanos();
        stream.queueTimer = stream.executor.schedule(() -> {
            if (stream.failUnbound(StreamFailure.UNAVAILABLE)) {
                queue.remove(stream);
            }
        }, timeout, TimeUnit.NANOSECONDS);
        if (front) {
            queue.addFirst(stream);
        } else {
            queue.addLast(stream);
        }
        if (shuttingDown) {
            failQueued(); // shutdown began between our check and the enqueue
            return;
        }
        drain();
    }

    /**
     * Hands queued streams to workers with room. Called after every enqueue and every freed slot;
     * whichever of the two comes last sees both, so no queued stream is stranded.
     */
    private void drain() {
        while (!queue.isEmpty()) {
            LinkStream first = queue.peekFirst();
            WorkerLink link = reserve(first != null ? first.executor : null);
            if (link == null) {
                return;
            }
            LinkStream stream = queue.pollFirst();
            if (stream == null || stream.owner.get() == LinkStream.CLOSED) {
                link.unreserve();
                continue;
            }
            stream.cancelQueueTimer();
            link.bind(stream);
            if (countRequests) {
                countRequest(link);
            }
        }
    }

    /** A worker's request count and its limit (--max-requests plus this worker's jitter). */
    private static final class RequestBudget {
        final int limit;
        final java.util.concurrent.atomic.AtomicInteger used = new java.util.concurrent.atomic.AtomicInteger();

        RequestBudget(int limit) {
            this.limit = limit;
        }
    }

    private void countRequest(WorkerLink link) {
        RequestBudget budget = budgets.get(link);
        if (budget != null && budget.used.incrementAndGet() == budget.limit) {
            supervisor.execute(() -> retire(link, "served " + budget.limit + " requests"));
        }
    }

    /**
     * A live worker with a free stream slot, with the slot taken; or null. The least-loaded one,
     * except that a worker whose link runs on the caller's event loop is preferred while its load
     * is close to the least: then the stream's frames and events are plain calls on one thread,
     * not tasks handed between threads (the largest cost per request when they differ).
     */
    private WorkerLink reserve(EventExecutor caller) {
        for (;;) {
            WorkerLink best = null;
            WorkerLink local = null;
            int bestLoad = Integer.MAX_VALUE;
            int localLoad = Integer.MAX_VALUE;
            for (WorkerLink link : live) {
                int load = link.load();
                if (!link.accepting() || load >= link.maxStreams()) {
                    continue;
                }
                if (load < bestLoad) {
                    best = link;
                    bestLoad = load;
                }
                if (load < localLoad && link.eventLoop() == caller) {
                    local = link;
                    localLoad = load;
                }
            }
            if (best == null) {
                return null;
            }
            WorkerLink chosen = local != null && localLoad - bestLoad <= localitySlack(bestLoad) ? local : best;
            if (chosen.tryReserve()) {
                return chosen;
            }
        }
    }

    /** How many more streams a same-loop worker may run than the least-loaded one and still be
     * chosen: a little, so that locality never leaves a worker idle while another queues work. */
    static int localitySlack(int leastLoad) {
        return 2 + leastLoad / 4;
    }

    private void failQueued() {
        for (LinkStream s; (s = queue.pollFirst()) != null; ) {
            s.failUnbound(StreamFailure.UNAVAILABLE);
        }
    }

    // ---------------------------------------------------------------- supervision (supervisor loop only)

    private void spawn(Slot slot) {
        slot.respawn = null;
        slot.up = false;
        if (shuttingDown || !restarting) {
            return;
        }
        WorkerProcess process;
        try {
            process = WorkerProcess.start(config, slot.id, server.socketPath(), stderr);
        } catch (IOException e) {
            String message = "cannot run " + config.python() + ": " + e.getMessage();
            if (!started.isDone()) {
                failStart(message);
            } else {
                LOG.log(System.Logger.Level.WARNING, message);
                scheduleRespawn(slot, true);
            }
            return;
        }
        slot.process = process;
        process.exit().thenAccept(status -> supervisor.execute(() -> onExit(slot, process, status)));
    }

    private void scheduleRespawn(Slot slot, boolean diedAtStartup) {
        Duration delay = Duration.ZERO;
        if (diedAtStartup) {
            delay = slot.backoff;
            Duration doubled = slot.backoff.multipliedBy(2);
            slot.backoff = doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
        } else {
            slot.backoff = FIRST_BACKOFF;
        }
        slot.respawn = supervisor.schedule(() -> spawn(slot), delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onHello(WorkerLink link) {
        Slot slot = link.workerId() >= 1 && link.workerId() <= slots.length ? slots[link.workerId() - 1] : null;
        if (slot == null || slot.process == null || slot.link != null || shuttingDown) {
            LOG.log(System.Logger.Level.WARNING, "a link from unexpected worker " + link.workerId()
                    + " (pid " + link.pid() + ") was refused");
            link.close(StreamFailure.WORKER_CRASHED);
            return;
        }
        slot.link = link;
        slot.up = true;
        slot.process.helloReceived();
        slot.memoryExempt = false;
        if (config.recycling().byMemory()) {
            long rss = ResidentMemory.of(slot.process.pid());
            long ceiling = config.recycling().maxMemoryBytes();
            if (rss > ceiling) {
                slot.memoryExempt = true;
                LOG.log(System.Logger.Level.WARNING, "worker " + slot.id + " (pid " + slot.process.pid() + ") uses "
                        + (rss >> 20) + " MB once started, above the " + (ceiling >> 20)
                        + " MB ceiling: it is not replaced for its memory (raise --worker-max-memory)");
            }
        }
        if (countRequests) {
            WorkerRecycling r = config.recycling();
            int jitter = r.maxRequestsJitter() > 0 ? ThreadLocalRandom.current().nextInt(r.maxRequestsJitter() + 1) : 0;
            budgets.put(link, new RequestBudget((int) Math.min(Integer.MAX_VALUE, (long) r.maxRequests() + jitter)));
        }
        addLive(link);
        WorkerLink old = slot.retiring;
        if (old != null) {
            // The replacement serves: the old worker gets no new request and drains (A.3 step 5).
            WorkerProcess oldProcess = slot.retiringProcess;
            slot.retiring = null;
            slot.retiringProcess = null;
            removeLive(old);
            drainThenStop(old, oldProcess);
        }
        if (!started.isDone() && Arrays.stream(slots).allMatch(s -> s.up)) {
            started.complete(null);
        }
        drain();
    }

    private void onWorkerGoAway(WorkerLink link) {
        Slot slot = slotOf(link);
        removeLive(link);
        if (slot == null) {
            return;
        }
        // The worker wants to stop (A.3 step 5): it finishes its streams on the old link while a
        // replacement starts in its slot.
        retiredLinks.add(link);
        if (slot.process != null) {
            retiredProcesses.add(slot.process);
        }
        slot.process = null;
        slot.link = null;
        slot.up = false;
        spawn(slot);
    }

    /**
     * Replaces a worker that works (recycling): the replacement starts in its slot while it keeps
     * serving; on the replacement's HELLO it gets GOAWAY, finishes its streams and exits. Nothing
     * happens when the link is no longer its slot's current one (already retiring or gone).
     */
    private void retire(WorkerLink link, String why) {
        Slot slot = slotOf(link);
        if (slot == null || shuttingDown || !slot.up || slot.process == null) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "worker " + slot.id + " (pid " + slot.process.pid() + ") " + why
                + "; replacing it (it finishes its requests first)");
        retiredLinks.add(link);
        retiredProcesses.add(slot.process);
        budgets.remove(link);
        slot.retiring = link;
        slot.retiringProcess = slot.process;
        slot.process = null;
        slot.link = null;
        slot.up = false;
        spawn(slot);
    }

    /** GOAWAY, then the link closes once its streams are done (or after --graceful-timeout), then
     * the worker, whose link is gone, exits; one that does not is killed. */
    private void drainThenStop(WorkerLink link, WorkerProcess process) {
        link.goAway(0, "replaced");
        link.idle().copy()
                .completeOnTimeout(null, config.gracefulTimeout().toNanos(), TimeUnit.NANOSECONDS)
                .thenRun(() -> {
                    link.close(StreamFailure.UNAVAILABLE);
                    if (process != null) {
                        stopProcess(process);
                    }
                });
    }

    /** Replaces each worker whose resident memory is above --worker-max-memory. */
    private void checkMemory() {
        long ceiling = config.recycling().maxMemoryBytes();
        for (Slot slot : slots) {
            WorkerLink link = slot.link;
            WorkerProcess process = slot.process;
            if (!slot.up || link == null || process == null || shuttingDown) {
                continue;
            }
            if (slot.memoryExempt) {
                continue;
            }
            long rss = ResidentMemory.of(process.pid());
            if (rss > ceiling) {
                retire(link, "uses " + (rss >> 20) + " MB of memory, above the " + (ceiling >> 20) + " MB ceiling");
            }
        }
    }

    private void onHung(WorkerLink link) {
        Slot slot = slotOf(link);
        if (slot != null && slot.process != null) {
            slot.process.kill();
        }
    }

    private void onClosed(WorkerLink link) {
        removeLive(link);
        retiredLinks.remove(link);
        budgets.remove(link);
        for (Slot s : slots) {
            if (s.retiring == link) {
                s.retiring = null; // it ended before its replacement came up
                s.retiringProcess = null;
            }
        }
        Slot slot = slotOf(link);
        if (slot == null) {
            return;
        }
        slot.link = null;
        WorkerProcess process = slot.process;
        if (process != null && process.isAlive() && !shuttingDown) {
            // The link broke under a live worker (a link error): it must go, and is replaced on exit.
            // A worker exits by itself once its link is gone; SIGTERM it ignores (shutdown is ours).
            supervisor.schedule(() -> {
                if (process.isAlive()) {
                    process.kill();
                }
            }, EXIT_AFTER_TERM.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    private void onExit(Slot slot, WorkerProcess process, ExitStatus status) {
        if (retiredProcesses.remove(process) || slot.process != process) {
            process.releaseHeld();
            return;
        }
        boolean wasUp = slot.up;
        slot.process = null;
        slot.up = false;
        WorkerLink link = slot.link;
        slot.link = null;
        if (link != null) {
            removeLive(link);
            link.close(StreamFailure.WORKER_CRASHED);
        }
        if (shuttingDown || !restarting) {
            if (!wasUp && status.code() == ExitStatus.CANNOT_LOAD_APP && started.isCompletedExceptionally()) {
                process.takeStartupNotice(); // the other workers' copy of the line already reported
            }
            process.releaseHeld();
            return;
        }
        if (!started.isDone()) {
            String notice = status.code() == ExitStatus.CANNOT_LOAD_APP ? process.takeStartupNotice() : null;
            process.releaseHeld();
            failStart(notice != null ? withoutPrefix(notice)
                    : "worker " + slot.id + " exited with " + status + " before it connected");
            return;
        }
        process.releaseHeld();
        LOG.log(System.Logger.Level.WARNING, "worker " + slot.id + " (pid " + process.pid() + ") exited with "
                + status + "; restarting");
        scheduleRespawn(slot, !wasUp);
    }

    /** A worker's own line says {@code wsging: ...}; the server adds its prefix once. */
    private static String withoutPrefix(String line) {
        return line.startsWith(WorkerProcess.NOTICE_PREFIX) ? line.substring(WorkerProcess.NOTICE_PREFIX.length()) : line;
    }

    private void failStart(String message) {
        started.completeExceptionally(new WorkerStartupException(message));
        shutdown(Duration.ZERO);
    }

    private Slot slotOf(WorkerLink link) {
        for (Slot s : slots) {
            if (s.link == link) {
                return s;
            }
        }
        return null;
    }

    private void addLive(WorkerLink link) {
        WorkerLink[] next = Arrays.copyOf(live, live.length + 1);
        next[live.length] = link;
        live = next;
    }

    private void removeLive(WorkerLink link) {
        List<WorkerLink> next = new ArrayList<>(Arrays.asList(live));
        if (next.remove(link)) {
            live = next.toArray(new WorkerLink[0]);
        }
    }

    // ---------------------------------------------------------------- shutdown

    /**
     * The server begins to shut down (its connections finish their requests before
     * {@link #shutdown} comes): from now on a worker that exits is not replaced.
     */
    public void stopRestarting() {
        restarting = false;
    }

    /**
     * Stops the pool: queued and new requests get UNAVAILABLE, every worker gets GOAWAY and up to
     * {@code grace} to finish its streams, then links close, workers get a moment to exit, then
     * SIGTERM, then SIGKILL; the socket directory is removed. Idempotent.
     */
    public synchronized CompletableFuture<Void> shutdown(Duration grace) {
        if (stopped != null) {
            return stopped;
        }
        stopped = new CompletableFuture<>();
        shuttingDown = true;
        CompletableFuture<Void> done = stopped;
        supervisor.execute(() -> doShutdown(grace, done));
        return done;
    }

    private void doShutdown(Duration grace, CompletableFuture<Void> done) {
        if (!started.isDone()) {
            started.completeExceptionally(new WorkerStartupException("shut down before the workers started"));
        }
        failQueued();
        live = new WorkerLink[0];
        if (memoryCheck != null) {
            memoryCheck.cancel(false);
        }
        List<WorkerLink> links = new ArrayList<>(retiredLinks);
        List<WorkerProcess> processes = new ArrayList<>(retiredProcesses);
        for (Slot slot : slots) {
            if (slot.respawn != null) {
                slot.respawn.cancel(false);
            }
            if (slot.link != null) {
                links.add(slot.link);
            }
            if (slot.process != null) {
                processes.add(slot.process);
            }
        }
        for (WorkerLink link : links) {
            link.goAway(0, "shutting down");
        }
        CompletableFuture<?>[] idle = links.stream().map(WorkerLink::idle).toArray(CompletableFuture<?>[]::new);
        CompletableFuture.allOf(idle)
                .completeOnTimeout(null, grace.toNanos(), TimeUnit.NANOSECONDS)
                .thenRun(() -> {
                    for (WorkerLink link : links) {
                        link.close(StreamFailure.UNAVAILABLE);
                    }
                    CompletableFuture<Void> socketGone = server == null ? CompletableFuture.completedFuture(null) : server.close();
                    CompletableFuture<?>[] exits = processes.stream().map(WorkerPool::stopProcess)
                            .toArray(CompletableFuture<?>[]::new);
                    CompletableFuture.allOf(exits).thenCombine(socketGone, (a, b) -> null)
                            .whenComplete((v, e) -> done.complete(null));
                });
    }

    /** Waits for a worker to exit after its link closed, then SIGKILL (workers ignore SIGTERM:
     * a signal to the whole process group must not cut their requests short). */
    private static CompletableFuture<?> stopProcess(WorkerProcess p) {
        return p.exit().copy()
                .completeOnTimeout(null, EXIT_AFTER_CLOSE.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(s -> {
                    if (s != null) {
                        return CompletableFuture.completedFuture(s);
                    }
                    p.kill();
                    return p.exit().copy().completeOnTimeout(null, EXIT_AFTER_TERM.toMillis(), TimeUnit.MILLISECONDS);
                });
    }

    // ---------------------------------------------------------------- link events, hopping to the supervisor

    private final class Owner implements WorkerLink.Owner {
        @Override
        public void onHello(WorkerLink link) {
            supervisor.execute(() -> WorkerPool.this.onHello(link));
        }

        @Override
        public void onSlotFreed(WorkerLink link) {
            drain();
        }

        @Override
        public void onBindRefused(WorkerLink link, LinkStream stream) {
            if (shuttingDown) {
                stream.failUnbound(StreamFailure.UNAVAILABLE);
            } else {
                enqueue(stream, true);
            }
        }

        @Override
        public void onWorkerGoAway(WorkerLink link) {
            supervisor.execute(() -> WorkerPool.this.onWorkerGoAway(link));
        }

        @Override
        public void onHung(WorkerLink link) {
            supervisor.execute(() -> WorkerPool.this.onHung(link));
        }

        @Override
        public void onClosed(WorkerLink link) {
            supervisor.execute(() -> WorkerPool.this.onClosed(link));
        }
    }
}
