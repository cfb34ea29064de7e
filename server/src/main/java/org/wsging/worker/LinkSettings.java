package org.wsging.worker;

import java.time.Duration;
import org.wsging.worker.link.FrameType;

/**
 * What this side of a link announces and how it watches the worker.
 *
 * @param initialWindow response-body bytes a worker may send on a new stream before a WINDOW
 * @param maxFrame      largest response DATA payload accepted
 * @param pingInterval  how often a PING goes out
 * @param timeout       a PING unanswered this long means the worker hung
 */
public record LinkSettings(int initialWindow, int maxFrame, Duration pingInterval, Duration timeout) {
    public static final int DEFAULT_INITIAL_WINDOW = 256 * 1024;

    public static LinkSettings withTimeout(Duration timeout) {
        return new LinkSettings(DEFAULT_INITIAL_WINDOW, FrameType.DEFAULT_MAX_FRAME, Duration.ofSeconds(1), timeout);
    }
}
