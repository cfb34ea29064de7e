package org.wsging.exchange;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.wsging.ServerInitializer;
import org.wsging.config.Http1Config;

class CeilingDispatcherTest {

    @Test
    void answersHelloWorldThroughTheFrontEnd() {
        var ch = new EmbeddedChannel();
        ServerInitializer.configure(ch.pipeline(), Http1Config.DEFAULT, new CeilingDispatcher(), null);
        ch.writeInbound(Unpooled.copiedBuffer(
                "GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
                StandardCharsets.US_ASCII));
        ch.runPendingTasks();
        ch.runPendingTasks();
        StringBuilder out = new StringBuilder();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            out.append(((ByteBuf) o).toString(StandardCharsets.ISO_8859_1));
            ((ByteBuf) o).release();
        }
        String text = out.toString();
        assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
        assertTrue(text.contains("content-type: text/plain; charset=utf-8\r\n"), text);
        assertTrue(text.indexOf("Hello, world!") != text.lastIndexOf("Hello, world!"), "two answers: " + text);
        assertTrue(ch.isOpen());
        assertFalse(ch.finishAndReleaseAll());
    }
}
