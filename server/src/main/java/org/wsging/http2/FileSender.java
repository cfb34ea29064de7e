package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.nio.channels.FileChannel;
import org.wsging.exchange.FileBody;

/**
 * Sends a file body as DATA frames (HTTP/2 has no sendfile: every frame has a header, and the
 * client's windows decide when each may go). The file is read in chunks, at most
 * {@link #IN_FLIGHT} of them written and not yet sent, so a large file or a client that reads
 * slowly never holds more than that in memory.
 */
final class FileSender {
    static final int CHUNK = 64 * 1024;
    static final int IN_FLIGHT = 2;

    private final Http2Exchange exchange;
    private final FileChannel channel;
    private final FileBody body;
    private long position;
    private final long end;
    private int inFlight;
    private boolean closed;

    FileSender(Http2Exchange exchange, FileChannel channel, FileBody body) {
        this.exchange = exchange;
        this.channel = channel;
        this.body = body;
        this.position = body.offset();
        this.end = body.offset() + body.length();
    }

    /** Reads and writes chunks until {@link #IN_FLIGHT} wait for the client or the file ends. */
    void next() {
        while (!closed && inFlight < IN_FLIGHT && position < end) {
            int n = (int) Math.min(CHUNK, end - position);
            ByteBuf chunk = exchange.alloc().ioBuffer(n);
            try {
                int read = 0;
                while (read < n) {
                    int r = chunk.writeBytes(channel, position + read, n - read);
                    if (r < 0) {
                        break;
                    }
                    read += r;
                }
                if (read < n) {
                    chunk.release();
                    close();
                    exchange.fileFailed(body.path() + " became shorter while it was sent as a response body");
                    return;
                }
            } catch (IOException e) {
                chunk.release();
                close();
                exchange.fileFailed("reading " + body.path() + " failed while it was sent: " + e);
                return;
            }
            position += n;
            boolean last = position == end;
            if (last) {
                close();
            }
            inFlight++;
            ChannelFuture written = exchange.writeFileChunk(chunk, last);
            written.addListener(f -> {
                inFlight--;
                if (f.isSuccess()) {
                    next();
                } else {
                    close();
                }
            });
        }
    }

    void close() {
        if (!closed) {
            closed = true;
            closeQuietly(channel);
        }
    }

    static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // opened read-only: nothing to report
            }
        }
    }
}
