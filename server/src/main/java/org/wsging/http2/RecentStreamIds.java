package org.wsging.http2;

/**
 * Which of the most recent {@link #SPAN} client stream identifiers (odd numbers) were marked: a
 * ring of bits that moves forward with the highest one marked, so it stays a fixed size however
 * long the connection lives. An identifier older than the span counts as marked.
 */
final class RecentStreamIds {
    static final int SPAN = 4096;
    private final long[] bits = new long[SPAN / 64];
    /** The highest index (stream id / 2) marked so far; -1 before the first. */
    private int highest = -1;

    void mark(int streamId) {
        int index = streamId >>> 1;
        if (index > highest) {
            // the slots between the old highest and this one now stand for newer identifiers
            for (int i = Math.max(highest + 1, index - SPAN + 1); i < index; i++) {
                clear(i);
            }
            clear(index);
            highest = index;
        } else if (highest - index >= SPAN) {
            return;
        }
        bits[(index % SPAN) >>> 6] |= 1L << (index & 63);
    }

    boolean contains(int streamId) {
        int index = streamId >>> 1;
        if (index > highest) {
            return false;
        }
        if (highest - index >= SPAN) {
            return true;
        }
        return (bits[(index % SPAN) >>> 6] & (1L << (index & 63))) != 0;
    }

    private void clear(int index) {
        bits[(index % SPAN) >>> 6] &= ~(1L << (index & 63));
    }
}
