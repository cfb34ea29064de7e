package org.wsging.http2;

import io.netty.channel.ChannelPipeline;
import java.util.List;
import org.wsging.connection.HeldInput;

/**
 * Takes the HTTP/1.x handlers out of a cleartext connection's pipeline when it turns to HTTP/2.
 * They are the handlers from {@link #FIRST} to the end, as the server's initializer adds them.
 */
final class Http1Removal {
    /** The name of the first HTTP/1.x handler. */
    static final String FIRST = "send-timeout";
    static final String CODEC = "codec";
    private static final String HELD = "held-bytes";

    private Http1Removal() {}

    /**
     * Removes the HTTP/1.x handlers. Bytes the HTTP/1.x decoder had read beyond its last request
     * (the client's HTTP/2 preface right behind an upgrade request) are held back, and go to the
     * HTTP/2 handler once {@link HeldInput#release} is called after it was installed.
     */
    static HeldInput remove(ChannelPipeline p) {
        HeldInput held = new HeldInput();
        if (p.get(CODEC) != null) {
            p.addAfter(CODEC, HELD, held);
        } else {
            p.addLast(HELD, held);
        }
        List<String> names = p.names();
        int from = names.indexOf(FIRST);
        if (from >= 0) {
            for (String name : names.subList(from, names.size())) {
                if (!name.equals(CODEC) && !name.equals(HELD) && p.get(name) != null) {
                    p.remove(name);
                }
            }
        }
        if (p.get(CODEC) != null) {
            p.remove(CODEC); // hands what it had not decoded on to the holder
        }
        return held;
    }
}
