package org.wsging.exchange;

import io.netty.util.concurrent.EventExecutor;

/** Where front ends send requests: the pool of worker processes. */
public interface WorkerDispatcher {
    /**
     * Starts a request on a worker that has room, or queues it until one has. Returns at once.
     * The listener's methods run on {@code executor} (normally the client channel's event loop).
     * If no worker takes the request in time the listener gets
     * {@link StreamFailure#UNAVAILABLE}.
     */
    WorkerStream open(RequestHead head, EventExecutor executor, ExchangeListener listener);
}
