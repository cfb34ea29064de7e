package org.wsging.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Benchmark aid ({@code --ceiling}): answers every request with {@code Hello, world!} from Java,
 * through the same front-end pipeline and listener calls a worker stream makes, without any worker.
 * What a benchmark measures against it is the front end's own ceiling. The request body is never
 * asked for, so the front end drains or closes as it does for an application that ignores it.
 */
public final class CeilingDispatcher implements WorkerDispatcher {

    private static final ByteBuf HELLO = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(13).writeBytes("Hello, world!".getBytes(StandardCharsets.US_ASCII)))
            .asReadOnly();
    private static final List<Header> HEADERS = List.of(
            new Header("content-type", "text/plain; charset=utf-8"),
            new Header("content-length", "13"));

    @Override
    public WorkerStream open(RequestHead head, EventExecutor executor, ExchangeListener listener) {
        // Like a worker, answer later on the front end's executor, never inside open().
        executor.execute(() -> {
            listener.onResponse(200, HEADERS, false);
            listener.onData(HELLO.duplicate(), true);
        });
        return CompletedStream.INSTANCE;
    }

    /** The stream is complete as soon as it is answered: everything sent to it is dropped. */
    private enum CompletedStream implements WorkerStream {
        INSTANCE;

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            data.release();
        }

        @Override
        public void sendTrailers(List<Header> trailers) {}

        @Override
        public void grantResponseWindow(int increment) {}

        @Override
        public void reset(ResetCode code) {}

        @Override
        public void openWebSocket(String extensions) {}

        @Override
        public void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues) {
            data.release();
        }

        @Override
        public void sendWebSocketPong(byte[] payload) {}

        @Override
        public void closeWebSocket(int code, String reason) {}
    }
}
