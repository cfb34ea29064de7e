package org.wsging.config;

import java.time.Duration;

/**
 * WebSocket session settings (spec 9.5).
 *
 * @param pingInterval a client silent this long is pinged; null: no pings
 * @param pingTimeout  a pinged client that sends nothing back this long is dropped (1006 to the application)
 * @param closeTimeout how long a client has to answer a close frame the server sent first
 *                     (the application's close, or 1011) before the connection is closed anyway
 * @param idleTimeout  a session without a message either way this long is closed with 1001; null: never
 */
public record WebSocketConfig(Duration pingInterval, Duration pingTimeout, Duration closeTimeout,
                              Duration idleTimeout) {
    public static final Duration DEFAULT_PING_INTERVAL = Duration.ofSeconds(20);
    public static final Duration DEFAULT_PING_TIMEOUT = Duration.ofSeconds(20);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);

    public static final WebSocketConfig DEFAULT =
            new WebSocketConfig(DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT, DEFAULT_CLOSE_TIMEOUT);

    public WebSocketConfig {
        if (pingInterval != null && !pingInterval.isPositive()) {
            throw new IllegalArgumentException("ping interval must be positive, or null for none");
        }
        if (!pingTimeout.isPositive() || !closeTimeout.isPositive()) {
            throw new IllegalArgumentException("ping and close timeouts must be positive");
        }
        if (idleTimeout != null && !idleTimeout.isPositive()) {
            throw new IllegalArgumentException("idle timeout must be positive, or null for none");
        }
    }

    /** Without an idle timeout. */
    public WebSocketConfig(Duration pingInterval, Duration pingTimeout, Duration closeTimeout) {
        this(pingInterval, pingTimeout, closeTimeout, null);
    }
}
