package org.wsging.exchange;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * A front end's handle on one request stream to a worker. Thread-safe: may be called from any
 * thread. Calls after the stream completed are ignored (buffers are released).
 */
public interface WorkerStream {
    /** Request body bytes; takes ownership of {@code data}. The caller never sends more than
     * the credit it received through {@link ExchangeListener#onRequestWindow}. */
    void sendData(ByteBuf data, boolean endStream);

    /** Request trailers; they end the request body. */
    void sendTrailers(List<Header> trailers);

    /** {@code increment} bytes of response body were written to the client: the worker may send
     * that much more (spec A.5). */
    void grantResponseWindow(int increment);

    /** Abandon the stream (client gone: CANCEL; timeout: TIMEOUT). */
    void reset(ResetCode code);

    /**
     * The client changed this request's priority (RFC 9218 PRIORITY_UPDATE): its new field value,
     * passed to a worker that takes it. Front ends without such signals never call it.
     */
    default void sendPriority(String fieldValue) {}
}
