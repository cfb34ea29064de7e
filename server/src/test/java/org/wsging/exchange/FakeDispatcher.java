package org.wsging.exchange;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.EventExecutor;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Records what a front end does with worker streams; tests play the worker through the listener. */
public final class FakeDispatcher implements WorkerDispatcher {

    public final List<FakeStream> streams = new ArrayList<>();

    @Override
    public WorkerStream open(RequestHead head, EventExecutor executor, ExchangeListener listener) {
        FakeStream s = new FakeStream(head, listener);
        streams.add(s);
        return s;
    }

    public FakeStream last() {
        if (streams.isEmpty()) {
            throw new AssertionError("no stream was opened");
        }
        return streams.get(streams.size() - 1);
    }

    public static final class FakeStream implements WorkerStream {
        public final RequestHead head;
        public final ExchangeListener listener;
        public final ByteArrayOutputStream body = new ByteArrayOutputStream();
        public final List<Integer> dataSizes = new ArrayList<>();
        public boolean ended;
        public List<Header> trailers;
        public long responseCredit;
        public ResetCode reset;
        public final List<String> priorities = new ArrayList<>();
        /** The WebSocket calls, in order: "open EXT", "message text|binary [continues] BYTES", "pong BYTES", "close CODE REASON". */
        public final List<String> webSocket = new ArrayList<>();
        public long messageBytes;

        FakeStream(RequestHead head, ExchangeListener listener) {
            this.head = head;
            this.listener = listener;
        }

        @Override
        public void sendData(ByteBuf data, boolean endStream) {
            if (ended) {
                throw new AssertionError("DATA after END_STREAM");
            }
            dataSizes.add(data.readableBytes());
            byte[] bytes = new byte[data.readableBytes()];
            data.readBytes(bytes);
            body.writeBytes(bytes);
            data.release();
            ended |= endStream;
        }

        @Override
        public void sendTrailers(List<Header> trailers) {
            this.trailers = trailers;
            ended = true;
        }

        @Override
        public void grantResponseWindow(int increment) {
            responseCredit += increment;
        }

        @Override
        public void reset(ResetCode code) {
            reset = code;
        }

        @Override
        public void sendPriority(String fieldValue) {
            priorities.add(fieldValue);
        }

        @Override
        public void openWebSocket(String extensions) {
            webSocket.add("open " + extensions);
        }

        @Override
        public void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues) {
            messageBytes += data.readableBytes();
            webSocket.add("message " + (text ? "text" : "binary") + (continues ? " continues " : " ")
                    + data.toString(java.nio.charset.StandardCharsets.ISO_8859_1));
            data.release();
        }

        @Override
        public void sendWebSocketPong(byte[] payload) {
            webSocket.add("pong " + new String(payload, java.nio.charset.StandardCharsets.ISO_8859_1));
        }

        @Override
        public void closeWebSocket(int code, String reason) {
            webSocket.add("close " + code + (reason.isEmpty() ? "" : " " + reason));
        }

        public String bodyText() {
            return body.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }
}
