package org.wsging.http1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.exchange.FakeDispatcher.FakeStream;
import org.wsging.exchange.FileBody;

/** FILE_RESPONSE through the HTTP/1 pipeline: the file is checked, then sent as a file region. */
class FileResponseTest {
    private static final String GET = "GET /f HTTP/1.1\r\nHost: a\r\n\r\n";
    private static final String CONTENT = "0123456789abcdefghij";

    @TempDir
    Path dir;

    private Path file(String content) throws IOException {
        return Files.writeString(dir.resolve("body.txt"), content, StandardCharsets.ISO_8859_1);
    }

    private static FileBody reference(Path path, long offset, long length) throws IOException {
        Map<String, Object> id = Files.readAttributes(path, "unix:dev,ino");
        return new FileBody(path.toString(), offset, length, (Long) id.get("dev"), (Long) id.get("ino"));
    }

    /** Descriptors this process holds open on {@code path} (Linux /proc). */
    private static long openDescriptors(Path path) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).equals(path);
                } catch (IOException e) {
                    return false; // closed while listing
                }
            }).count();
        }
    }

    @Test
    void theFileIsSentWithItsLengthLoggedAndTheConnectionKept() throws IOException {
        Path p = file(CONTENT);
        var t = new Http1TestChannel();
        t.send(GET);
        FakeStream s = t.dispatcher.last();
        s.listener.onFileResponse(200, Http1TestChannel.headers("content-type", "text/plain", "content-length", "20"),
                reference(p, 0, 20));
        assertEquals(1, openDescriptors(p), "open while the region waits to be written");
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(0, openDescriptors(p), "closed once the region was written");
        assertEquals(200, r.status());
        assertEquals("20", r.header("content-length"));
        assertEquals("text/plain", r.header("content-type"));
        assertEquals(CONTENT, r.body());
        assertTrue(t.accessLog.get(0).contains("\"GET /f HTTP/1.1\" 200 20 "), t.accessLog.get(0));
        // Keep-alive: the next request on the connection is served as usual.
        t.send(GET);
        t.respond(200, "next", "content-length", "4");
        assertEquals("next", Http1TestChannel.parse(t.received()).get(0).body());
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void aPartOfTheFileGetsItsOwnContentLength() throws IOException {
        Path p = file(CONTENT);
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onFileResponse(206, Http1TestChannel.headers(), reference(p, 3, 5));
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(206, r.status());
        assertEquals("5", r.header("content-length"));
        assertEquals("34567", r.body());
        t.finish();
    }

    @Test
    void anEmptyFileIsAnEmptyBody() throws IOException {
        Path p = file("");
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers(), reference(p, 0, 0));
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals("0", r.header("content-length"));
        assertEquals("", r.body());
        assertEquals(0, openDescriptors(p));
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void aMissingFileIs500AndTheConnectionGoesOn() throws IOException {
        Path p = file(CONTENT);
        FileBody body = reference(p, 0, 20);
        Files.delete(p);
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers("content-length", "20"), body);
        var r = Http1TestChannel.parse(t.received()).get(0);
        assertEquals(500, r.status());
        assertFalse(r.body().contains(p.toString()), "the path is for the log, not the client");
        t.send(GET);
        t.respond(200, "ok", "content-length", "2");
        assertEquals(200, Http1TestChannel.parse(t.received()).get(0).status());
        t.finish();
    }

    @Test
    void aReplacedOrShortenedFileIs500() throws IOException {
        Path p = file(CONTENT);
        FileBody replaced = reference(p, 0, 20);
        // Same name and content, another inode (made while the old one exists, so not reused).
        Path other = Files.writeString(dir.resolve("other.txt"), CONTENT, StandardCharsets.ISO_8859_1);
        Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        FileBody tooLong = reference(p, 10, 11);
        for (FileBody body : new FileBody[] {replaced, tooLong}) {
            var t = new Http1TestChannel();
            t.send(GET);
            t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers(), body);
            assertEquals(500, Http1TestChannel.parse(t.received()).get(0).status());
            assertEquals(0, openDescriptors(p));
            t.finish();
        }
    }

    @Test
    void aContentLengthThatDiffersFromTheFileIs500AndTheFileIsClosed() throws IOException {
        Path p = file(CONTENT);
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers("content-length", "7"),
                reference(p, 0, 20));
        assertEquals(500, Http1TestChannel.parse(t.received()).get(0).status());
        assertEquals(0, openDescriptors(p));
        t.finish();
    }

    @Test
    void headGetsTheLengthWithoutABodyAndTheFileIsNotOpened() {
        var t = new Http1TestChannel();
        t.send("HEAD /f HTTP/1.1\r\nHost: a\r\n\r\n");
        // The path does not exist: only opening it would notice.
        t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers(),
                new FileBody(dir.resolve("absent").toString(), 0, 20, 1, 2));
        String out = t.received();
        var r = Http1TestChannel.parse(out, true).get(0);
        assertEquals(200, r.status());
        assertEquals("20", r.header("content-length"));
        assertTrue(out.endsWith("\r\n\r\n"), out);
        assertTrue(t.open());
        t.finish();
    }

    @Test
    void aClientGoneBeforeTheRegionWasWrittenLeavesNoDescriptor() throws IOException {
        Path p = file(CONTENT);
        var t = new Http1TestChannel();
        t.send(GET);
        t.dispatcher.last().listener.onFileResponse(200, Http1TestChannel.headers(), reference(p, 0, 20));
        assertEquals(1, openDescriptors(p));
        t.channel.close();
        t.channel.runPendingTasks();
        t.channel.finishAndReleaseAll();
        assertEquals(0, openDescriptors(p));
    }

    @Test
    void aPipelinedFileResponseWaitsForItsTurnWithoutOpeningTheFile() throws IOException {
        Path p = file(CONTENT);
        var t = new Http1TestChannel();
        t.send(GET + GET);
        assertEquals(2, t.dispatcher.streams.size());
        t.dispatcher.streams.get(1).listener.onFileResponse(200, Http1TestChannel.headers(), reference(p, 0, 20));
        assertEquals(0, openDescriptors(p), "held until its turn");
        t.respond(t.dispatcher.streams.get(0), 200, "first", "content-length", "5");
        var responses = Http1TestChannel.parse(t.received());
        assertEquals("first", responses.get(0).body());
        assertEquals(CONTENT, responses.get(1).body());
        assertEquals(0, openDescriptors(p));
        t.finish();
    }
}
