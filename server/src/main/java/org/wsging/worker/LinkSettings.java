package org.wsging.worker;

import java.time.Duration;
import org.wsging.config.WorkersConfig;
import org.wsging.exchange.FileBodyOpener;
import org.wsging.worker.link.FrameType;

/**
 * What this side of a link announces and how it watches the worker.
 *
 * @param initialWindow response-body bytes a worker may send on a new stream before a WINDOW
 * @param maxFrame      largest response DATA payload accepted
 * @param fileBodies    the FILE_BODIES value announced: which file references a worker may send
 *                      as response bodies (0: none)
 * @param pingInterval  how often a PING goes out
 * @param timeout       a PING unanswered this long means the worker hung
 * @param sharedBodySlots slots per direction offered to a worker that can map shared body
 *                        memory (spec A.2); 0: bodies always cross the socket
 */
public record LinkSettings(int initialWindow, int maxFrame, int fileBodies, Duration pingInterval, Duration timeout,
        int sharedBodySlots) {
    public static final int DEFAULT_INITIAL_WINDOW = 256 * 1024;

    /** The defaults, with the worker timeout and shared body slots the operator chose. */
    public static LinkSettings of(WorkersConfig workers) {
        return new LinkSettings(DEFAULT_INITIAL_WINDOW, FrameType.DEFAULT_MAX_FRAME, fileBodiesThisJvmTakes(),
                Duration.ofSeconds(1), workers.timeout(), workers.sharedBodySlots());
    }

    /** File references for every path this JVM can open by name: UTF-8 ones, or ASCII only. */
    public static int fileBodiesThisJvmTakes() {
        return FileBodyOpener.opensUtf8Paths() ? FrameType.FILE_BODIES_UTF8 : FrameType.FILE_BODIES_ASCII;
    }
}
