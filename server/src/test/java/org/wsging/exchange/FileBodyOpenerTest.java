package org.wsging.exchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening a worker's file reference: the same file, long enough, or a reason that names it. */
class FileBodyOpenerTest {
    @TempDir
    Path dir;

    /** A FileBody for {@code path} as a worker would send it after opening it now. */
    static FileBody reference(Path path, long offset, long length) throws IOException {
        Map<String, Object> id = Files.readAttributes(path, "unix:dev,ino");
        return new FileBody(new String(path.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1),
                offset, length, (Long) id.get("dev"), (Long) id.get("ino"));
    }

    private Path file(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.ISO_8859_1);
    }

    @Test
    void opensTheFileTheWorkerNamed() throws IOException {
        Path p = file("a.txt", "0123456789");
        try (FileChannel ch = FileBodyOpener.open(reference(p, 2, 8))) {
            ByteBuffer b = ByteBuffer.allocate(16);
            ch.read(b, 2);
            assertEquals("23456789", new String(b.array(), 0, b.position(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void aMissingFileIsUnavailableAndNamed() throws IOException {
        Path p = file("gone.txt", "x");
        FileBody body = reference(p, 0, 1);
        Files.delete(p);
        var e = assertThrows(FileBodyOpener.Unavailable.class, () -> FileBodyOpener.open(body));
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void aFileReplacedSinceTheWorkerOpenedItIsUnavailable() throws IOException {
        Path p = file("swapped.txt", "old content");
        FileBody body = reference(p, 0, 11);
        Path other = file("new.txt", "new content");
        Files.move(other, p, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        var e = assertThrows(FileBodyOpener.Unavailable.class, () -> FileBodyOpener.open(body));
        assertTrue(e.getMessage().contains("no longer the file"), e.getMessage());
    }

    @Test
    void aFileShorterThanTheBodyIsUnavailable() throws IOException {
        Path p = file("short.txt", "0123456789");
        FileBody body = reference(p, 4, 6);
        try (FileChannel ch = FileBodyOpener.open(body)) {
            assertEquals(10, ch.size());
        }
        try (FileChannel w = FileChannel.open(p, java.nio.file.StandardOpenOption.WRITE)) {
            w.truncate(9);
        }
        var e = assertThrows(FileBodyOpener.Unavailable.class, () -> FileBodyOpener.open(body));
        assertTrue(e.getMessage().contains("fewer than"), e.getMessage());
    }

    @Test
    void aSymlinkToTheFileIsTheSameFile() throws IOException {
        Path target = file("target.txt", "abc");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
        FileBody viaTarget = reference(target, 0, 3);
        FileBody viaLink = new FileBody(link.toString(), 0, 3, viaTarget.device(), viaTarget.inode());
        try (FileChannel ch = FileBodyOpener.open(viaLink)) {
            assertEquals(3, ch.size());
        }
    }

    @Test
    void aPathWithNulIsUnavailable() {
        assertThrows(FileBodyOpener.Unavailable.class, () -> FileBodyOpener.toPath("/tmp/a\u0000b"));
    }

    @Test
    void pathsAreDecodedFromTheirUtf8BytesAndInvalidOnesAreUnavailable() throws IOException {
        assumeTrue(FileBodyOpener.opensUtf8Paths(), "this JVM's file names are not UTF-8");
        String raw = new String("/tmp/caf\u00e9.txt".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertEquals(Path.of("/tmp/caf\u00e9.txt"), FileBodyOpener.toPath(raw));
        // A lone 0xFF byte is not UTF-8: such a name cannot be opened by this JVM.
        assertThrows(FileBodyOpener.Unavailable.class, () -> FileBodyOpener.toPath("/tmp/\u00ff.txt"));
    }
}
