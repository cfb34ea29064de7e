package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCounted;

/**
 * A message of this package that carries one buffer. Its reference count is the buffer's, so
 * {@code ReferenceCountUtil.release(msg)} frees it wherever generic code drops a message (the
 * pipeline's tail, a channel that closed before a write, a handler that discards after a failure).
 */
interface BufferMessage extends ReferenceCounted {

    /** The buffer this message carries (the record's data or payload). */
    ByteBuf content();

    @Override
    default int refCnt() {
        return content().refCnt();
    }

    @Override
    default BufferMessage retain() {
        content().retain();
        return this;
    }

    @Override
    default BufferMessage retain(int increment) {
        content().retain(increment);
        return this;
    }

    @Override
    default BufferMessage touch() {
        content().touch();
        return this;
    }

    @Override
    default BufferMessage touch(Object hint) {
        content().touch(hint);
        return this;
    }

    @Override
    default boolean release() {
        return content().release();
    }

    @Override
    default boolean release(int decrement) {
        return content().release(decrement);
    }
}
