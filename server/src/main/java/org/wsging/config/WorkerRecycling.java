package org.wsging.config;

/**
 * When a worker is replaced although it works: after so many requests, or once its resident
 * memory passes a ceiling. The replacement starts first; the old worker then gets no new request,
 * finishes those it has and exits, so a leaking application never grows without bound and the
 * capacity never drops to zero.
 *
 * @param maxRequests       requests a worker serves before it is replaced; 0 for no limit
 * @param maxRequestsJitter a random 0..jitter added to {@code maxRequests} per worker, so that
 *                          workers started together are not all replaced at once
 * @param maxMemoryBytes    resident set size above which a worker is replaced; 0 for no ceiling
 */
public record WorkerRecycling(int maxRequests, int maxRequestsJitter, long maxMemoryBytes) {

    public static final WorkerRecycling NONE = new WorkerRecycling(0, 0, 0);

    public WorkerRecycling {
        if (maxRequests < 0 || maxRequestsJitter < 0 || maxMemoryBytes < 0) {
            throw new IllegalArgumentException("worker recycling limits cannot be negative");
        }
    }

    public boolean byRequests() {
        return maxRequests > 0;
    }

    public boolean byMemory() {
        return maxMemoryBytes > 0;
    }
}
