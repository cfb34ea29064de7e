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

    // ---- WebSocket sessions (spec 9; A.2 *WebSocket*), on a stream whose offer was accepted

    /** The handshake response is written: the session starts. {@code extensions} is the
     * Sec-WebSocket-Extensions value it carried ("" for none). */
    void openWebSocket(String extensions);

    /**
     * A message from the client, or a piece of one ({@code continues}: more follow); takes
     * ownership of {@code data}. Only checked messages go: text is complete, valid UTF-8 once
     * its last piece is sent. The caller never sends more bytes than the credit it received
     * through {@link ExchangeListener#onRequestWindow}.
     */
    void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues);

    /** A pong the client sent. */
    void sendWebSocketPong(byte[] payload);

    /**
     * The session is over with this outcome (spec A.2 *Close*): the client's close code, 1006
     * for a dropped connection, or the code the front end closed with; -1 when the client's
     * close frame had no code. It completes the stream.
     */
    void closeWebSocket(int code, String reason);
}
