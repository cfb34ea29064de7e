package org.wsging.worker;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.util.Comparator;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What a server killed with SIGKILL leaves behind: its link socket's directory under the system
 * temporary directory and, when a worker never acknowledged it, a shared body memory file in
 * /dev/shm. Both names start {@code wsging-PID-}, PID being the server that made them, so a
 * server starting later removes those whose server is gone. Entries of a running server, of
 * another user, or whose name carries no PID are left alone.
 */
final class StaleFiles {
    private static final System.Logger LOG = System.getLogger(StaleFiles.class.getName());
    private static final Pattern OWNED = Pattern.compile("wsging-(\\d+)-.+");

    private StaleFiles() {}

    /** The prefix of a name this server makes: {@code wsging-PID-}. */
    static String prefix() {
        return "wsging-" + ProcessHandle.current().pid() + "-";
    }

    /** The server PID a name records, if it is one of ours. */
    static OptionalLong ownerPid(String name) {
        Matcher m = OWNED.matcher(name);
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * Removes every {@code wsging-PID-*} entry of {@code directory} that belongs to {@code me}
     * and whose PID names no running process; returns how many were removed. Never throws: a
     * failure to clean up must not stop the server.
     */
    static int clean(Path directory, UserPrincipal me) {
        int removed = 0;
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory, "wsging-*")) {
            for (Path entry : entries) {
                OptionalLong pid = ownerPid(entry.getFileName().toString());
                if (pid.isEmpty() || pid.getAsLong() == self || ProcessHandle.of(pid.getAsLong()).isPresent()) {
                    continue;
                }
                try {
                    if (!me.equals(Files.getOwner(entry, LinkOption.NOFOLLOW_LINKS))) {
                        continue;
                    }
                    deleteTree(entry);
                    removed++;
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove " + entry + ", left by server "
                            + pid.getAsLong() + ": " + e.getMessage());
                }
            }
        } catch (IOException | RuntimeException e) {
            // no such directory, or not readable: nothing of ours to clean there
        }
        return removed;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            Files.deleteIfExists(root);
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        }
    }
}
