package org.wsging.config;

import java.time.Duration;

/**
 * HTTP/1.x front-end settings: size limits of what a client may send and the timeouts that
 * protect the server from slow or idle clients.
 */
public record Http1Config(Limits limits, Timeouts timeouts) {

    /**
     * @param maxRequestLine bytes of the request line; longer is 414 (RFC 9112 §3)
     * @param maxHeaderSize  bytes of the header section; larger is 431 (RFC 6585 §5)
     * @param maxHeaders     number of header fields; more is 431
     * @param maxBodySize    bytes of request body; more is 413 (RFC 9110 §15.5.14)
     */
    public record Limits(int maxRequestLine, int maxHeaderSize, int maxHeaders, long maxBodySize) {
        public static final Limits DEFAULT = new Limits(8192, 16384, 100, 1L << 30);
    }

    /**
     * @param header    time to receive a complete request head, from its first byte (or the
     *                  connection's start); exceeded is 408 and close
     * @param keepAlive idle time between requests on a persistent connection; exceeded closes
     * @param body      longest time without request-body progress while the server is ready
     *                  to read; exceeded is 408 (when no response has started) and close
     */
    public record Timeouts(Duration header, Duration keepAlive, Duration body) {
        public static final Timeouts DEFAULT =
                new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofSeconds(30));
    }

    public static final Http1Config DEFAULT = new Http1Config(Limits.DEFAULT, Timeouts.DEFAULT);
}
