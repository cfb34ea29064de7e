package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;
import org.wsging.exchange.FakeDispatcher;
import org.wsging.exchange.Header;

/**
 * The whole HTTP/1 pipeline on an EmbeddedChannel, with a fake dispatcher playing the worker.
 * Bytes in, bytes out; every buffer a test makes is tracked so {@link #finish} can check that
 * nothing leaked.
 */
final class Http1TestChannel {
    final FakeDispatcher dispatcher = new FakeDispatcher();
    final EmbeddedChannel channel = new EmbeddedChannel();
    final List<String> accessLog = new ArrayList<>();
    private final List<ByteBuf> tracked = new ArrayList<>();

    Http1TestChannel() {
        this(Http1Config.DEFAULT);
    }

    Http1TestChannel(Http1Config config) {
        this(config, org.wsging.config.WebSocketConfig.DEFAULT);
    }

    Http1TestChannel(Http1Config config, org.wsging.config.WebSocketConfig webSocket) {
        channel.freezeTime();
        ServerInitializer.configure(channel.pipeline(), config, webSocket, dispatcher, accessLog::add, "http");
    }

    static Http1Config limits(int line, int headerSize, int headers, long body) {
        return new Http1Config(new Http1Config.Limits(line, headerSize, headers, body), Http1Config.Timeouts.DEFAULT);
    }

    /** Client bytes (ISO-8859-1, one char per byte). */
    Http1TestChannel send(String raw) {
        ByteBuf buf = Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1);
        tracked.add(buf);
        channel.writeInbound(buf);
        channel.runPendingTasks();
        return this;
    }

    /** Everything written to the client so far. */
    String received() {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        Object o;
        while ((o = channel.readOutbound()) != null) {
            if (o instanceof FileRegion region) {
                out.append(read(region));
                continue;
            }
            ByteBuf b = (ByteBuf) o;
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    /** What a file region would send, as the transport would send it; then released. */
    private static String read(FileRegion region) {
        var bytes = new java.io.ByteArrayOutputStream();
        try (WritableByteChannel sink = Channels.newChannel(bytes)) {
            while (region.transferred() < region.count()) {
                region.transferTo(sink, region.transferred());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            region.release();
        }
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    /** A buffer for the fake worker to send, tracked for the leak check. */
    ByteBuf data(String text) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        tracked.add(buf);
        return buf;
    }

    void respond(int status, String body, String... headerPairs) {
        respond(dispatcher.last(), status, body, headerPairs);
    }

    /** Answers the stream {@code s} (pipelined GETs run early: the last stream is not always the one). */
    void respond(FakeDispatcher.FakeStream s, int status, String body, String... headerPairs) {
        s.listener.onResponse(status, headers(headerPairs), false);
        s.listener.onData(data(body), true);
        channel.runPendingTasks();
    }

    static List<Header> headers(String... pairs) {
        List<Header> list = new ArrayList<>();
        for (int i = 0; i < pairs.length; i += 2) {
            list.add(new Header(pairs[i], pairs[i + 1]));
        }
        return list;
    }

    void advance(long seconds) {
        channel.advanceTimeBy(seconds, TimeUnit.SECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    boolean open() {
        channel.runPendingTasks();
        return channel.isOpen();
    }

    boolean autoRead() {
        return channel.config().isAutoRead();
    }

    /** Closes the channel and checks that every buffer was released and nothing is left queued. */
    void finish() {
        received();
        channel.close();
        channel.runPendingTasks();
        received();
        assertFalse(channel.finishAndReleaseAll(), "messages left in the channel");
        for (ByteBuf b : tracked) {
            assertEquals(0, b.refCnt(), "leaked buffer: " + b);
        }
    }

    /** A response as the client reads it. {@code complete} is false when the text ended inside it. */
    record Response(int status, java.util.Map<String, String> headers, String body, String trailers, boolean complete) {
        String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /**
     * Splits what the client received into responses, framing bodies like a client would: none
     * for 1xx/204/304 and answers to HEAD ({@code headRequests} says which, in order), else
     * Content-Length, chunked, or the rest of the text.
     */
    static List<Response> parse(String text, boolean... headRequests) {
        List<Response> out = new ArrayList<>();
        int i = 0;
        int finals = 0;
        while (i < text.length()) {
            int headEnd = text.indexOf("\r\n\r\n", i);
            if (headEnd < 0) {
                throw new AssertionError("incomplete response head: " + text.substring(i));
            }
            String[] lines = text.substring(i, headEnd).split("\r\n");
            if (!lines[0].startsWith("HTTP/1.1 ")) {
                throw new AssertionError("not a status line: " + lines[0]);
            }
            int status = Integer.parseInt(lines[0].substring(9, 12));
            java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
            for (int l = 1; l < lines.length; l++) {
                int colon = lines[l].indexOf(':');
                headers.merge(lines[l].substring(0, colon).toLowerCase(java.util.Locale.ROOT),
                        lines[l].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
            i = headEnd + 4;
            boolean head = status >= 200 && finals < headRequests.length && headRequests[finals];
            if (status >= 200) {
                finals++;
            }
            String body = "";
            String trailers = "";
            boolean complete = true;
            if (status < 200 || status == 204 || status == 304 || head) {
                // no content
            } else if (headers.containsKey("content-length")) {
                int n = Integer.parseInt(headers.get("content-length"));
                complete = i + n <= text.length();
                body = text.substring(i, Math.min(text.length(), i + n));
                i = Math.min(text.length(), i + n);
            } else if ("chunked".equals(headers.get("transfer-encoding"))) {
                StringBuilder b = new StringBuilder();
                complete = false;
                while (i < text.length()) {
                    int lineEnd = text.indexOf("\r\n", i);
                    if (lineEnd < 0) {
                        i = text.length();
                        break;
                    }
                    int size = Integer.parseInt(text.substring(i, lineEnd), 16);
                    i = lineEnd + 2;
                    if (size == 0) {
                        int end = text.indexOf("\r\n\r\n", i - 2);
                        if (end >= 0) {
                            trailers = text.substring(i, end + 2);
                            i = end + 4;
                            complete = true;
                        } else {
                            i = text.length();
                        }
                        break;
                    }
                    b.append(text, i, Math.min(text.length(), i + size));
                    i = Math.min(text.length(), i + size + 2);
                }
                body = b.toString();
            } else {
                body = text.substring(i);
                i = text.length();
            }
            out.add(new Response(status, headers, body, trailers, complete));
        }
        return out;
    }

    /** Status code of each response in {@code text}, in order (final and informational). */
    static List<Integer> statuses(String text, boolean... headRequests) {
        return parse(text, headRequests).stream().map(Response::status).toList();
    }
}
