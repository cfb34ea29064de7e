package org.wsging.worker;

import io.netty.util.collection.IntObjectHashMap;
import java.util.ArrayList;
import java.util.List;

/**
 * The open streams of one link, by stream id. Stream ids are consecutive (spec A.4), and an
 * open-addressing table indexed by the low bits of consecutive keys fills runs of adjacent slots;
 * each removal then shifts a whole run back (with a thousand pipelined streams this cost more than
 * everything else the link does). Keys are therefore scrambled by a bijective mix (MurmurHash3's
 * 32-bit finalizer) first, so slots are spread and runs stay short. Confined to the link's loop.
 */
final class StreamTable {
    private final IntObjectHashMap<LinkStream> table = new IntObjectHashMap<>();

    /** A one-to-one mix of all 32 bits: xor-shifts and odd multipliers are each invertible. */
    static int mix(int id) {
        int h = id;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }

    LinkStream get(int id) {
        return table.get(mix(id));
    }

    boolean containsKey(int id) {
        return table.containsKey(mix(id));
    }

    void put(int id, LinkStream stream) {
        table.put(mix(id), stream);
    }

    void remove(int id) {
        table.remove(mix(id));
    }

    boolean isEmpty() {
        return table.isEmpty();
    }

    /** Empties the table and returns what it held. */
    List<LinkStream> removeAll() {
        List<LinkStream> all = new ArrayList<>(table.values());
        table.clear();
        return all;
    }
}
