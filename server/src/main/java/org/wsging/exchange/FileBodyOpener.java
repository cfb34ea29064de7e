package org.wsging.exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * Opens the file of a {@link FileBody} and checks that it is the file the worker saw: the path
 * still names the same device and inode, and the file holds the whole body. Only then may a front
 * end send the response head; if the file was replaced, removed or cut short since the worker
 * opened it, the front end answers with an error instead of sending another file's bytes or a
 * body shorter than its Content-Length.
 */
public final class FileBodyOpener {

    /** Why a file body cannot be sent; the message names the path. */
    public static final class Unavailable extends IOException {
        Unavailable(String message) {
            super(message);
        }

        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** How this JVM turns file names into bytes (sun.jnu.encoding, from the locale at start-up). */
    private static final Charset FILE_NAMES = fileNameCharset();

    private FileBodyOpener() {}

    /** Whether any UTF-8 path can be opened here; otherwise only ASCII paths are certain to be. */
    public static boolean opensUtf8Paths() {
        return FILE_NAMES.equals(StandardCharsets.UTF_8);
    }

    /**
     * Opens {@code body}'s file read-only, positioned nowhere in particular (the caller sends
     * {@code offset..offset+length}). The caller owns the channel.
     *
     * @throws Unavailable when the file cannot be opened or is not the one the worker named
     */
    public static FileChannel open(FileBody body) throws Unavailable {
        Path path = toPath(body.path());
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException | SecurityException e) {
            throw new Unavailable(path + " cannot be opened: " + e, e);
        }
        try {
            // The path is checked after opening it, so the file opened is the one checked
            // (unless it is swapped away and back in between, which no deployment does).
            verifyIdentity(path, body);
            long size = channel.size();
            if (size - body.offset() < body.length()) {
                throw new Unavailable(path + " holds " + size + " bytes, fewer than the "
                        + body.offset() + " + " + body.length() + " the worker named");
            }
            return channel;
        } catch (IOException | RuntimeException e) {
            closeQuietly(channel);
            throw e instanceof Unavailable u ? u : new Unavailable(path + " cannot be checked: " + e, e);
        }
    }

    private static void verifyIdentity(Path path, FileBody body) throws IOException {
        Map<String, Object> attributes;
        try {
            attributes = Files.readAttributes(path, "unix:dev,ino"); // through links, as open() went
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // No unix attribute view on this platform: the size check is all there is.
            return;
        }
        if (!(attributes.get("dev") instanceof Long dev) || !(attributes.get("ino") instanceof Long ino)) {
            return;
        }
        if (dev != body.device() || ino != body.inode()) {
            throw new Unavailable(path + " is no longer the file the worker opened (device "
                    + Long.toUnsignedString(body.device()) + ", inode " + Long.toUnsignedString(body.inode())
                    + "; now device " + Long.toUnsignedString(dev) + ", inode " + Long.toUnsignedString(ino) + ")");
        }
    }

    /** The path from its bytes, decoded exactly as this JVM encodes file names, or Unavailable. */
    public static Path toPath(CharSequence raw) throws Unavailable {
        byte[] bytes = new byte[raw.length()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) raw.charAt(i); // one char per byte (A.2 strings are bytes)
        }
        String name;
        try {
            name = FILE_NAMES.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Unavailable("the file path " + printable(bytes) + " cannot be represented in this server's file-name "
                    + "encoding " + FILE_NAMES + " (set a UTF-8 locale, for example LANG=C.UTF-8)");
        }
        try {
            return Path.of(name);
        } catch (InvalidPathException e) {
            throw new Unavailable("the file path " + printable(bytes) + " is invalid: " + e.getMessage());
        }
    }

    /** The path's bytes for a log line: UTF-8 where it is, escapes for the rest. */
    private static String printable(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        text.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7F || c == 0xFFFD) {
                out.append('?');
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('"').toString();
    }

    private static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? StandardCharsets.UTF_8 : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.US_ASCII; // unknown to the JVM: only ASCII is certain
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing was read from it; nothing to report
        }
    }
}
