package org.wsging.exchange;

/**
 * User event the server fires on every client connection when it starts shutting down: a front
 * end finishes the exchange in flight (its response says {@code Connection: close} when it can),
 * serves nothing new, and closes; an idle connection closes at once.
 */
public enum GracefulShutdown {
    INSTANCE
}
