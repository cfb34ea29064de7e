package org.wsging.exchange;

/**
 * Why a stream ended without a response from the application, and the status a front end answers
 * with when no response head has been sent yet (otherwise it aborts the client stream).
 */
public enum StreamFailure {
    /** The worker process died or its link broke. */
    WORKER_CRASHED(502),
    /** The worker stopped answering (hung) or the response took longer than allowed. */
    WORKER_TIMEOUT(504),
    /** No worker could take the request in time, or the server is shutting down. */
    UNAVAILABLE(503);

    public final int status;

    StreamFailure(int status) {
        this.status = status;
    }
}
