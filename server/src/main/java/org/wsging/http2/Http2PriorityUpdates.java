package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Stream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * RFC 9218 §7.1 PRIORITY_UPDATE frames of one HTTP/2 connection, which Netty hands over as an
 * unknown frame type: each goes to the worker of the request it names (link PRIORITY, spec 8.4).
 * An update for a request whose HEADERS have not come yet is kept, at most {@link #MAX_PENDING}
 * per connection (the oldest dropped first), and applied when the request starts. Runs on the
 * connection's event loop.
 */
final class Http2PriorityUpdates {
    static final byte FRAME_TYPE = 0x10;
    static final int MAX_PENDING = 64;
    /** What the worker link carries (A.2 str16); a longer value is ignored. */
    private static final int MAX_VALUE = 65535;

    /** Updates for requests not started yet (or not yet handed to a worker), by stream id. */
    private final Map<Integer, String> pending = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, String> eldest) {
            return size() > MAX_PENDING;
        }
    };

    /**
     * One frame of {@code frameType} (any unknown type comes here; the others are ignored, RFC
     * 9113 §4.1). A PRIORITY_UPDATE that is not on stream 0 or names stream 0 is a connection
     * error (PROTOCOL_ERROR), one shorter than its stream id field too (FRAME_SIZE_ERROR).
     * Netty drops a frame of an unknown type on a stream it does not know (idle or forgotten)
     * before it gets here, so one on such a stream is ignored instead.
     */
    void onFrame(Http2Connection connection, byte frameType, int streamId, ByteBuf payload,
                 Function<Http2Stream, Http2Exchange> exchangeOf) throws Http2Exception {
        if (frameType != FRAME_TYPE) {
            return;
        }
        if (streamId != 0) {
            throw Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "PRIORITY_UPDATE on stream %d", streamId);
        }
        if (payload.readableBytes() < 4) {
            throw Http2Exception.connectionError(Http2Error.FRAME_SIZE_ERROR, "PRIORITY_UPDATE shorter than 4 bytes");
        }
        int prioritized = payload.getInt(payload.readerIndex()) & 0x7FFF_FFFF;
        if (prioritized == 0) {
            throw Http2Exception.connectionError(Http2Error.PROTOCOL_ERROR, "PRIORITY_UPDATE for stream 0");
        }
        int length = payload.readableBytes() - 4;
        if (length > MAX_VALUE) {
            return;
        }
        String value = payload.toString(payload.readerIndex() + 4, length, StandardCharsets.ISO_8859_1);
        Http2Stream stream = connection.stream(prioritized);
        Http2Exchange exchange = stream == null ? null : exchangeOf.apply(stream);
        if (exchange != null && exchange.worker != null) {
            if (!exchange.done) {
                exchange.worker.sendPriority(value);
            }
        } else if (exchange != null || (stream == null && connection.remote().isValidStreamId(prioritized)
                && prioritized > connection.remote().lastStreamCreated())) {
            pending.put(prioritized, value); // the latest update wins
        }
        // else: a closed stream, or a stream id the client may not open: nothing to update
    }

    /** The update kept for the request of {@code streamId}, now handed to a worker, or null.
     * Updates for lower client stream ids can no longer be used (those streams are closed or
     * were skipped) and are dropped. */
    String take(int streamId) {
        if (pending.isEmpty()) {
            return null;
        }
        String value = pending.remove(streamId);
        if ((streamId & 1) == 1) {
            for (Iterator<Integer> it = pending.keySet().iterator(); it.hasNext(); ) {
                int id = it.next();
                if ((id & 1) == 1 && id < streamId) {
                    it.remove();
                }
            }
        }
        return value;
    }
}
