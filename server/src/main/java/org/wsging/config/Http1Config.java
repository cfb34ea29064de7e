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
     * @param bodyMinRate bytes per second a request body must average, once {@code body} has
     *                  passed since it began, over the time the server was reading it; 0: none
     * @param send      longest time the client may read nothing while a response waits for it
     *                  to; exceeded closes the connection (and cancels its streams)
     * @param request   longest time from a request's turn to its response's end; exceeded is 504
     *                  (or an abort once the response started); null: no limit
     */
    public record Timeouts(Duration header, Duration keepAlive, Duration body, long bodyMinRate, Duration send,
                           Duration request) {
        public static final long DEFAULT_BODY_MIN_RATE = 500;
        public static final Duration DEFAULT_SEND = Duration.ofSeconds(30);

        public static final Timeouts DEFAULT = new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5),
                Duration.ofSeconds(30), DEFAULT_BODY_MIN_RATE, DEFAULT_SEND, null);

        public Timeouts {
            if (bodyMinRate < 0) {
                throw new IllegalArgumentException("negative body rate " + bodyMinRate);
            }
        }

        /** The three client clocks, with the default rate and send timeout and no request limit. */
        public Timeouts(Duration header, Duration keepAlive, Duration body) {
            this(header, keepAlive, body, DEFAULT_BODY_MIN_RATE, DEFAULT_SEND, null);
        }
    }

    /**
     * What one connection may have queued for its client before the server stops reading from
     * it (Netty's write-buffer water marks): writable again below {@code low}, not above
     * {@code high}.
     */
    public static final int WRITE_BUFFER_LOW = 32 * 1024;
    public static final int WRITE_BUFFER_HIGH = 64 * 1024;
    /**
     * Unsent bytes the kernel may hold for one connection (Linux TCP_NOTSENT_LOWAT). Smaller
     * shows a slow reader's progress sooner and holds less for one that never reads; larger
     * costs fewer write wake-ups per large response (the writer is woken below half of it).
     */
    public static final long NOTSENT_LOWAT = 256 * 1024;

    public static final Http1Config DEFAULT = new Http1Config(Limits.DEFAULT, Timeouts.DEFAULT);
}
