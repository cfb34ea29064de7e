package org.wsging.worker;

import java.util.EnumSet;
import java.util.Set;

/**
 * States of one worker link (spec A.3), every allowed move listed in one place.
 * AWAIT_HELLO: connected, the worker's HELLO not yet seen; OPEN: streams may start;
 * DRAINING: a GOAWAY went either way, open streams finish, no new ones; CLOSED: gone.
 */
enum LinkState {
    AWAIT_HELLO,
    OPEN,
    DRAINING,
    CLOSED;

    private Set<LinkState> next;

    static {
        AWAIT_HELLO.next = EnumSet.of(OPEN, CLOSED);
        OPEN.next = EnumSet.of(DRAINING, CLOSED);
        DRAINING.next = EnumSet.of(CLOSED);
        CLOSED.next = EnumSet.noneOf(LinkState.class);
    }

    LinkState to(LinkState target) {
        if (!next.contains(target)) {
            throw new IllegalStateException("link cannot go from " + this + " to " + target);
        }
        return target;
    }

    /** Frames other than HELLO are allowed once the HELLO exchange is done. */
    boolean helloDone() {
        return this == OPEN || this == DRAINING;
    }
}
