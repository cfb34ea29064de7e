package org.wsging.worker;

/**
 * The workers could not be started: the message is the one line to show the user as it is
 * (for a worker that could not load the application, the worker's own {@code wsging: ...} line).
 */
public final class WorkerStartupException extends Exception {
    public WorkerStartupException(String message) {
        super(message, null, false, false);
    }
}
