package org.wsging.http2;

import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import org.wsging.config.Http1Config;
import org.wsging.config.Http2Config;

/**
 * Builds the connection handler with the server's SETTINGS and Netty's defences switched on and
 * bounded (each excess is a connection error: GOAWAY(ENHANCE_YOUR_CALM) and close, MUST-H2-5):
 * client resets per window (rapid reset, CVE-2023-44487), resets the server itself sends because
 * of what a client sent ("MadeYouReset", CVE-2025-8671), queued control frames a client does not
 * read (PING and SETTINGS floods), empty DATA frames in a row, and small CONTINUATION frames.
 */
final class Http2ServerHandlerBuilder
        extends AbstractHttp2ConnectionHandlerBuilder<Http2ServerHandler, Http2ServerHandlerBuilder> {

    /** Resets a client may cause per {@link #RESET_WINDOW_SECONDS}, by RST_STREAM or by frames
     * the server must refuse with one. */
    static final int MAX_RESETS = 200;
    static final int RESET_WINDOW_SECONDS = 30;
    /** Control frames (SETTINGS and PING acknowledgements, resets) queued for a client that does
     * not read them. */
    static final int MAX_QUEUED_CONTROL_FRAMES = 1000;
    static final int MAX_EMPTY_DATA_FRAMES = 2;
    static final int MAX_SMALL_CONTINUATION_FRAMES = 16;

    private final Http2Streams streams;
    private final Http2Config http2;
    private final Http1Config.Timeouts timeouts;

    Http2ServerHandlerBuilder(Http2Streams streams, Http2Config http2, Http1Config.Timeouts timeouts) {
        this.streams = streams;
        this.http2 = http2;
        this.timeouts = timeouts;
        initialSettings(new Http2Settings()
                .maxConcurrentStreams(http2.maxConcurrentStreams())
                .initialWindowSize(http2.initialWindowSize())
                .maxFrameSize(http2.maxFrameSize())
                .maxHeaderListSize(http2.maxHeaderListSize())
                .connectProtocolEnabled(true)); // RFC 8441: WebSocket over extended CONNECT
        // Streams take turns at the client's windows: RFC 9113 deprecated the RFC 7540 priority
        // tree and RFC 9218 signals go to the application, so Netty's default weighted tree
        // would only cost time on every stream and write (about 0.3 µs of 9 per h2load request).
        DefaultHttp2Connection connection = new DefaultHttp2Connection(true);
        connection.remote().flowController(
                new DefaultHttp2RemoteFlowController(connection, new UniformStreamByteDistributor(connection)));
        connection(connection);
        frameListener(streams);
        validateHeaders(true);
        // Graceful shutdown waits for the streams in flight; the server's graceful timeout ends it.
        gracefulShutdownTimeoutMillis(-1);
        decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS);
        encoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS);
        encoderEnforceMaxQueuedControlFrames(MAX_QUEUED_CONTROL_FRAMES);
        decoderEnforceMaxConsecutiveEmptyDataFrames(MAX_EMPTY_DATA_FRAMES);
        decoderEnforceMaxSmallContinuationFrames(MAX_SMALL_CONTINUATION_FRAMES);
    }

    Http2ServerHandler create() {
        return build();
    }

    @Override
    protected Http2ServerHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder,
                                       Http2Settings initialSettings) {
        return new Http2ServerHandler(decoder, encoder, initialSettings, streams, http2.connectionWindowSize(),
                timeouts);
    }
}
