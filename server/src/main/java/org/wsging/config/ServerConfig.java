package org.wsging.config;

import java.util.List;

/**
 * Everything the server is told at start, built once from the command line and never changed.
 *
 * @param binds   listening addresses, at least one
 * @param http1   HTTP/1.x limits and timeouts
 * @param workers worker processes
 * @param logging what is logged
 * @param ceiling benchmark aid: answer every request from Java without starting workers
 */
public record ServerConfig(
        List<BindAddress> binds, Http1Config http1, WorkersConfig workers, LoggingConfig logging, boolean ceiling) {

    public ServerConfig {
        if (binds.isEmpty()) {
            throw new IllegalArgumentException("at least one bind address is required");
        }
        binds = List.copyOf(binds);
    }
}
