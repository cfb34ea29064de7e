package org.wsging.exchange;

/**
 * User event the server fires on every client connection when it starts shutting down: a front
 * end finishes the exchange in flight (its response says {@code Connection: close} when it can),
 * serves nothing new, and closes; an idle connection closes at once.
 */
public enum GracefulShutdown {
    /** Shutdown began: finish what runs, start nothing new, close. */
    INSTANCE,
    /**
     * The graceful timeout expired and the connection is about to be closed: a front end reports
     * each exchange still running (method, target, how long it ran), which is otherwise dropped
     * without a trace.
     */
    DEADLINE
}
