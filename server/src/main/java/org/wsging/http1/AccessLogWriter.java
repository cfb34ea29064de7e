package org.wsging.http1;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * Writes access-log lines on a thread of its own, so a slow standard output never blocks an event
 * loop. Lines are flushed whenever the queue runs empty, so a reader sees them promptly.
 */
public final class AccessLogWriter implements Consumer<String> {

    private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>(65536);

    public static AccessLogWriter toStandardOutput() {
        Writer out = new BufferedWriter(
                new OutputStreamWriter(new FileOutputStream(FileDescriptor.out), StandardCharsets.UTF_8), 65536);
        return new AccessLogWriter(out);
    }

    AccessLogWriter(Writer out) {
        Thread thread = new Thread(() -> run(out), "wsging-access-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues a line; when the queue is full (output stuck) the line is dropped, not waited for. */
    @Override
    public void accept(String line) {
        queue.offer(line);
    }

    private void run(Writer out) {
        List<String> batch = new ArrayList<>();
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, 1024);
                for (String line : batch) {
                    out.write(line);
                    out.write('\n');
                }
                batch.clear();
                if (queue.isEmpty()) {
                    out.flush();
                }
            }
        } catch (InterruptedException | IOException e) {
            // standard output closed or the JVM is exiting: nothing left to log to
        }
    }
}
