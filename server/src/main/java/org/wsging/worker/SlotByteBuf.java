package org.wsging.worker;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;

/**
 * A body payload that lies in one of the worker's shared-memory slots (spec A.2, SHARED_DATA),
 * read where it lies. Its capacity is fixed at the payload. When the last reference goes the
 * memory is not freed (it belongs to the mapping) but the slot is handed to
 * {@code onConsumed}, which gives it back to the worker.
 */
final class SlotByteBuf extends UnpooledDirectByteBuf {
    private final int slot;
    private final IntConsumer onConsumed;

    SlotByteBuf(ByteBuffer payload, int slot, IntConsumer onConsumed) {
        super(ByteBufAllocator.DEFAULT, payload, payload.remaining());
        this.slot = slot;
        this.onConsumed = onConsumed;
    }

    @Override
    protected void deallocate() {
        onConsumed.accept(slot);
    }
}
