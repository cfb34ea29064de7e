package org.wsging.exchange;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * What the worker side tells a front end about one stream. Every method is called on the
 * executor the front end passed to {@link WorkerDispatcher#open}, in the order the frames arrived,
 * so a front end needs no locking. Exactly one terminal event ends the stream: the response's end
 * (endStream on {@link #onResponse} / {@link #onData}, {@link #onTrailers} or
 * {@link #onFileResponse}), {@link #onInvalidResponse}, {@link #onReset} or {@link #onFailure};
 * nothing is delivered after it. A WebSocket session's stream has no terminal event of its own
 * but a reset or a failure: the front end ends it ({@link WorkerStream#closeWebSocket}).
 */
public interface ExchangeListener {
    /** The worker granted {@code increment} more bytes of request body (spec A.5). The first grant
     * of a stream without Expect: 100-continue is the worker's initial window. */
    void onRequestWindow(int increment);

    /** A 1xx response other than 101 (for example 103 Early Hints). */
    void onInformational(int status, List<Header> headers);

    void onResponse(int status, List<Header> headers, boolean endStream);

    /**
     * The whole response: its head, and a body the front end sends from {@code file} itself
     * (spec A.2 FILE_RESPONSE). It ends the stream. The front end opens and checks the file
     * ({@link FileBodyOpener}) before it sends any byte of the head.
     */
    void onFileResponse(int status, List<Header> headers, FileBody file);

    /** A chunk of response body; the listener owns {@code data} and must release or write it. */
    void onData(ByteBuf data, boolean endStream);

    /** Response trailers; they end the response. */
    void onTrailers(List<Header> trailers);

    /** The worker reset the stream (for example INTERNAL_ERROR after the head was sent). */
    void onReset(ResetCode code);

    /** The stream failed on the worker side without a reset from the application. */
    void onFailure(StreamFailure failure);

    /**
     * The application asks to push {@code path} (origin-form) with request {@code headers} (spec
     * 8.5); only on a stream whose head offered {@link Capabilities#PUSH}. True once the front end
     * has sent the PUSH_PROMISE and started the promised request ({@link RequestHead#pushed()}
     * through {@link WorkerDispatcher#open}); false to decline. Front ends without push decline.
     */
    default boolean onPush(String path, List<Header> headers) {
        return false;
    }

    /**
     * The worker's answer broke the link's rules for this stream before any response head (a
     * WS_ACCEPT on a stream that was not an offer, say): the stream is reset, and the client is
     * answered as for an invalid response. Terminal. Front ends that tell nothing apart answer
     * it as a reset.
     */
    default void onInvalidResponse(String why) {
        onReset(ResetCode.PROTOCOL_ERROR);
    }

    // ---- WebSocket sessions (spec 9; A.2 *WebSocket*). Only a stream whose head is an offer
    // ({@link RequestHead#websocket()}) gets these: the link resets any other stream that would.
    // Once accepted, the stream lives on until the front end closes the session
    // ({@link WorkerStream#closeWebSocket}) or either side resets it; {@link #onRequestWindow}
    // then grants credit for the messages the front end sends.

    /**
     * The application accepts the offer, in place of a response: the front end answers the
     * handshake and, once that is written, calls {@link WorkerStream#openWebSocket} (or
     * {@link WorkerStream#closeWebSocket} with 1006 when the client is gone first).
     */
    default void onWebSocketAccept(WebSocketAccept accept) {
        onInvalidResponse("a WebSocket acceptance where no offer was made");
    }

    /**
     * A message from the application, or a piece of one ({@code continues}: more follow); the
     * listener owns {@code data} and gives its bytes back as credit
     * ({@link WorkerStream#grantResponseWindow}) once they are written to the client.
     *
     * @param uncompressed the first piece asks that this message not be compressed
     */
    default void onWebSocketMessage(ByteBuf data, boolean text, boolean continues, boolean uncompressed) {
        data.release();
    }

    /** The application pings the client with {@code payload} (at most 125 bytes). */
    default void onWebSocketPing(byte[] payload) {}

    /**
     * The application closes the session: {@code code} is -1 for a close without a code. The
     * front end sends the close after the messages before it and, once the client answered (or
     * a bounded time passed), reports the outcome with {@link WorkerStream#closeWebSocket}.
     */
    default void onWebSocketClose(int code, String reason) {}
}
