package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.wsging.config.Http1Config;

/**
 * The decoder reads the same requests wherever the reads cut the bytes: the raw-byte checks of
 * heads and chunked bodies run ahead of Netty's parser and must stay in step with it across
 * reads, and merged body pieces must hold the same bytes.
 */
class RequestDecoderSplitTest {

    private static final String REQUESTS = ""
            + "GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-A: \t\u00e9 b\r\n\r\n"
            + "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world"
            + "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;e=\"q;\\\"\"\r\nhello\r\n1\r\n \r\n" + "1\r\nw\r\n".repeat(40) + "00\r\nX-T: 1\r\n\r\n"
            + "\r\nGET http://h/d HTTP/1.2\r\nHost: h\r\n\r\n"
            + "POST /e HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "1000\r\n" + "z".repeat(4096) + "\r\n0\r\n\r\n"
            + "HEAD /f HTTP/1.0\r\n\r\n";

    /** Each request as "METHOD uri version | body | trailers". */
    private static List<String> decode(byte[] bytes, int[] cuts) {
        var ch = new EmbeddedChannel(new Http1ServerCodec(new Http1Config.Limits(8192, 16384, 100, 1L << 30)));
        List<String> seen = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ch.writeInbound(Unpooled.wrappedBuffer(bytes, from, to - from));
            from = to;
            for (Object o; (o = ch.readInbound()) != null; ) {
                if (o instanceof HttpRequest r) {
                    assertTrue(r.decoderResult().isSuccess(), r.decoderResult().toString());
                    current.append(r.method()).append(' ').append(r.uri()).append(' ').append(r.protocolVersion())
                            .append(" | ");
                }
                if (o instanceof HttpContent c) {
                    assertTrue(c.decoderResult().isSuccess(), c.decoderResult().toString());
                    current.append(c.content().toString(StandardCharsets.ISO_8859_1));
                    if (o instanceof LastHttpContent last) {
                        current.append(" | ").append(last.trailingHeaders().entries());
                        seen.add(current.toString());
                        current.setLength(0);
                    }
                }
                ReferenceCountUtil.release(o);
            }
        }
        ch.finishAndReleaseAll();
        return seen;
    }

    @Test
    void everyCutDecodesTheSameRequests() {
        byte[] bytes = REQUESTS.getBytes(StandardCharsets.ISO_8859_1);
        List<String> whole = decode(bytes, new int[0]);
        assertEquals(6, whole.size(), whole.toString());
        assertEquals("POST /c HTTP/1.1 | hello " + "w".repeat(40) + " | [X-T=1]", whole.get(2));
        assertEquals("GET http://h/d HTTP/1.1 |  | []", whole.get(3));
        for (int cut = 1; cut < bytes.length; cut++) {
            assertEquals(whole, decode(bytes, new int[] {cut}), "cut at " + cut);
        }
        Random random = new Random(42);
        for (int round = 0; round < 300; round++) {
            int[] cuts = random.ints(1 + random.nextInt(20), 1, bytes.length).sorted().distinct().toArray();
            assertEquals(whole, decode(bytes, cuts), "cuts " + java.util.Arrays.toString(cuts));
        }
    }
}
