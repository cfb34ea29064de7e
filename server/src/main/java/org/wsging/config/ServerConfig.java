package org.wsging.config;

import java.util.List;

/**
 * Everything the server is told at start, built once from the command line and never changed.
 *
 * @param binds     listening addresses, at least one
 * @param http1     HTTP/1.x limits and timeouts
 * @param workers   worker processes
 * @param logging   what is logged
 * @param ceiling   benchmark aid: answer every request from Java without starting workers
 * @param ioThreads event-loop threads that serve client connections and worker links
 * @param http2     HTTP/2 settings (h2c on the same port; h2 by ALPN with TLS)
 * @param tls       TLS on every address, or null for cleartext
 * @param websocket WebSocket session settings (pings, close handshake)
 */
public record ServerConfig(
        List<BindAddress> binds, Http1Config http1, WorkersConfig workers, LoggingConfig logging, boolean ceiling,
        int ioThreads, Http2Config http2, TlsConfig tls, WebSocketConfig websocket) {

    public ServerConfig {
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("at least one bind address is required");
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("at least one I/O thread is required, not " + ioThreads);
        }
        binds = List.copyOf(binds);
        java.util.Objects.requireNonNull(websocket);
    }

    /** With the default WebSocket settings. */
    public ServerConfig(
            List<BindAddress> binds, Http1Config http1, WorkersConfig workers, LoggingConfig logging, boolean ceiling,
            int ioThreads, Http2Config http2, TlsConfig tls) {
        this(binds, http1, workers, logging, ceiling, ioThreads, http2, tls, WebSocketConfig.DEFAULT);
    }

    /** A cleartext configuration with the default HTTP/2 settings. */
    public ServerConfig(
            List<BindAddress> binds, Http1Config http1, WorkersConfig workers, LoggingConfig logging, boolean ceiling,
            int ioThreads) {
        this(binds, http1, workers, logging, ceiling, ioThreads, Http2Config.DEFAULT, null);
    }

    /** A configuration with the default number of I/O threads for this machine. */
    public ServerConfig(
            List<BindAddress> binds, Http1Config http1, WorkersConfig workers, LoggingConfig logging, boolean ceiling) {
        this(binds, http1, workers, logging, ceiling, defaultIoThreads(Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Half the cores, at least one. The Java side costs well under half of what a Python worker
     * spends on a request, so the other half of the machine is left to the workers; and every
     * I/O thread beyond the number of workers only adds hops between threads (measured on two
     * cores: one I/O thread needs the least CPU per request, see the README's options table).
     */
    public static int defaultIoThreads(int cores) {
        return Math.max(1, cores / 2);
    }
}
