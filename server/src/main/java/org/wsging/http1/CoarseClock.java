package org.wsging.http1;

/**
 * A clock read at the cost of a volatile load, a tenth of a second coarse: for times that are
 * taken on every request but only rarely looked at (how long a request had run when shutdown
 * cut it off). System.nanoTime costs about 25-60 ns a call here, per request for nothing.
 */
final class CoarseClock {
    static final long RESOLUTION_MILLIS = 100;
    private static volatile long now = System.nanoTime();

    static {
        Thread ticker = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(RESOLUTION_MILLIS);
                    now = System.nanoTime();
                }
            } catch (InterruptedException e) {
                // the JVM is exiting
            }
        }, "wsging-coarse-clock");
        ticker.setDaemon(true);
        ticker.start();
    }

    private CoarseClock() {}

    /** System.nanoTime as of at most {@link #RESOLUTION_MILLIS} ago. */
    static long nanoTime() {
        return now;
    }
}
