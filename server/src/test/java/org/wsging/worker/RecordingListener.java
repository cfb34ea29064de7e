package org.wsging.worker;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WebSocketAccept;

/** Records listener events as short strings (body bytes as latin-1 text) and releases buffers. */
final class RecordingListener implements ExchangeListener {
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @Override
    public void onRequestWindow(int increment) {
        events.add("window " + increment);
    }

    @Override
    public void onInformational(int status, List<Header> headers) {
        events.add("informational " + status + " " + text(headers));
    }

    @Override
    public void onResponse(int status, List<Header> headers, boolean endStream) {
        events.add("response " + status + " " + text(headers) + (endStream ? " end" : ""));
    }

    @Override
    public void onFileResponse(int status, List<Header> headers, FileBody file) {
        events.add("file-response " + status + " " + text(headers) + " " + file.path() + " " + file.offset()
                + "+" + file.length() + " dev " + Long.toUnsignedString(file.device()) + " ino "
                + Long.toUnsignedString(file.inode()));
    }

    @Override
    public void onData(ByteBuf data, boolean endStream) {
        events.add("data " + data.toString(StandardCharsets.ISO_8859_1) + (endStream ? " end" : ""));
        data.release();
    }

    @Override
    public void onTrailers(List<Header> trailers) {
        events.add("trailers " + text(trailers));
    }

    @Override
    public void onReset(ResetCode code) {
        events.add("reset " + code);
    }

    @Override
    public void onFailure(StreamFailure failure) {
        events.add("failure " + failure);
    }

    @Override
    public void onInvalidResponse(String why) {
        events.add("invalid " + why);
    }

    @Override
    public void onWebSocketAccept(WebSocketAccept a) {
        events.add("ws-accept " + (a.compression() ? "compression " : "") + a.maxMessageSize() + " " + a.subprotocol()
                + " " + text(a.headers()));
    }

    @Override
    public void onWebSocketMessage(ByteBuf data, boolean text, boolean continues, boolean uncompressed) {
        events.add("ws-message " + (text ? "text" : "binary") + (continues ? " continues" : "")
                + (uncompressed ? " uncompressed" : "") + " " + data.toString(StandardCharsets.ISO_8859_1));
        data.release();
    }

    @Override
    public void onWebSocketPing(byte[] payload) {
        events.add("ws-ping " + new String(payload, StandardCharsets.ISO_8859_1));
    }

    @Override
    public void onWebSocketClose(int code, String reason) {
        events.add("ws-close " + code + (reason.isEmpty() ? "" : " " + reason));
    }

    /** The next event, waiting up to 20 s (bounded: a missing event fails the test, never hangs it). */
    String next() throws InterruptedException {
        String e = events.poll(20, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no event within 20 s");
        }
        return e;
    }

    List<String> drain() {
        List<String> out = new java.util.ArrayList<>();
        events.drainTo(out);
        return out;
    }

    private static String text(List<Header> headers) {
        StringBuilder sb = new StringBuilder("[");
        for (Header h : headers) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append(h.name()).append(": ").append(h.value());
        }
        return sb.append(']').toString();
    }
}
