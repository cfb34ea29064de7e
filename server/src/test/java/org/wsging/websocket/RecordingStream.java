package org.wsging.websocket;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.Header;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.WorkerStream;

/** A worker stream that records what a session tells the worker, as short strings (bytes as latin-1). */
final class RecordingStream implements WorkerStream {
    final List<String> events = new ArrayList<>();

    /** The events so far, then forgotten. */
    List<String> take() {
        List<String> out = List.copyOf(events);
        events.clear();
        return out;
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        data.release();
        throw new AssertionError("a session sends no request body");
    }

    @Override
    public void sendTrailers(List<Header> trailers) {
        throw new AssertionError("a session sends no trailers");
    }

    @Override
    public void grantResponseWindow(int increment) {
        events.add("grant " + increment);
    }

    @Override
    public void reset(ResetCode code) {
        events.add("reset " + code);
    }

    @Override
    public void openWebSocket(String extensions) {
        events.add("open " + extensions);
    }

    @Override
    public void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues) {
        events.add("message " + (text ? "text " : "binary ") + (continues ? "continues " : "")
                + data.toString(StandardCharsets.ISO_8859_1));
        data.release();
    }

    @Override
    public void sendWebSocketPong(byte[] payload) {
        events.add("pong " + new String(payload, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void closeWebSocket(int code, String reason) {
        events.add("close " + code + (reason.isEmpty() ? "" : " " + reason));
    }
}
