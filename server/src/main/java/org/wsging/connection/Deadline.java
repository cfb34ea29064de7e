package org.wsging.connection;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timeout of a connection, run on its event loop. {@link #start} sets the deadline; a task is
 * scheduled only when none is pending at or before it. When the task runs it calls
 * {@code onExpiry} if the deadline has passed, else schedules itself for the (moved) deadline; a
 * stopped deadline's task does nothing. A connection that serves many requests thus schedules
 * and cancels nothing per request (that showed in profiles).
 *
 * <p>Not thread-safe: every method runs on the executor given to {@link #attach}.
 */
public final class Deadline implements Runnable {
    private final Runnable onExpiry;
    private EventExecutor executor;
    private boolean running;
    private long deadline;
    private ScheduledFuture<?> task;
    private long taskAt;

    public Deadline(Runnable onExpiry) {
        this.onExpiry = onExpiry;
    }

    /** The event loop whose clock (controllable in tests) and timers this deadline uses. */
    public void attach(EventExecutor executor) {
        this.executor = executor;
    }

    public boolean running() {
        return running;
    }

    /** The event loop's current time, in the nanoseconds {@link #startAt} takes. */
    public long now() {
        return executor.ticker().nanoTime();
    }

    /** (Re)starts the clock: it expires {@code nanos} from now unless stopped or moved first. */
    public void start(long nanos) {
        startAt(now() + nanos);
    }

    /** (Re)starts the clock for the instant {@code at} (on {@link #now}'s scale). */
    public void startAt(long at) {
        running = true;
        deadline = at;
        if (task != null && taskAt - deadline > 0) {
            task.cancel(false); // pending for later than the new deadline: too late
            task = null;
        }
        if (task == null) {
            scheduleAt(deadline);
        }
    }

    /** Stops the clock; its pending task, if any, stays and does nothing (cheaper than cancelling). */
    public void stop() {
        running = false;
    }

    /** Stops the clock and drops its task (the connection is finished). */
    public void cancel() {
        running = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void scheduleAt(long at) {
        taskAt = at;
        task = executor.schedule(this, Math.max(0, at - now()), TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        task = null;
        if (!running) {
            return;
        }
        if (deadline - now() > 0) {
            scheduleAt(deadline);
            return;
        }
        running = false;
        onExpiry.run();
    }
}
