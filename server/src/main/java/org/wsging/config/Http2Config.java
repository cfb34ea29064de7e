package org.wsging.config;

/**
 * HTTP/2 front-end settings (RFC 9113 §6.5.2), announced to every client in the server's SETTINGS.
 *
 * @param enabled              whether the cleartext port also serves h2c (prior knowledge and
 *                             {@code Upgrade: h2c}); off, it speaks HTTP/1.x only
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS: requests one connection may have
 *                             in flight at once
 * @param initialWindowSize    SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a client may send
 *                             on one stream ahead of the application's reading
 * @param maxFrameSize         SETTINGS_MAX_FRAME_SIZE: largest frame payload the server accepts
 * @param maxHeaderListSize    SETTINGS_MAX_HEADER_LIST_SIZE: largest decoded header section
 *                             (names + values + 32 per field, RFC 9113 §6.5.2)
 */
public record Http2Config(boolean enabled, int maxConcurrentStreams, int initialWindowSize, int maxFrameSize,
                          int maxHeaderListSize) {

    public static final int MIN_FRAME_SIZE = 16384;
    public static final int MAX_FRAME_SIZE = 16777215;
    public static final int MAX_WINDOW = Integer.MAX_VALUE;

    public static final Http2Config DEFAULT = new Http2Config(true, 100, 256 * 1024, 16384, 64 * 1024);

    public Http2Config {
        if (maxConcurrentStreams < 1) {
            throw new IllegalArgumentException("max concurrent streams must be at least 1, not " + maxConcurrentStreams);
        }
        if (initialWindowSize < 1) {
            throw new IllegalArgumentException("initial window size must be at least 1, not " + initialWindowSize);
        }
        if (maxFrameSize < MIN_FRAME_SIZE || maxFrameSize > MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size must be from " + MIN_FRAME_SIZE + " to "
                    + MAX_FRAME_SIZE + ", not " + maxFrameSize);
        }
        if (maxHeaderListSize < 1) {
            throw new IllegalArgumentException("max header list size must be at least 1, not " + maxHeaderListSize);
        }
    }

    /** The connection-level receive window: room for every stream's full window at once, so
     * that a stream whose application does not read cannot hold the others back (MUST-H2-4). */
    public int connectionWindowSize() {
        return (int) Math.min(MAX_WINDOW, (long) maxConcurrentStreams * initialWindowSize);
    }
}
