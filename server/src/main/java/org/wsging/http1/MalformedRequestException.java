package org.wsging.http1;

import io.netty.handler.codec.DecoderException;

/** A request head broke RFC 9112 in a way the server refuses with 400 (found by {@link RequestHeadScanner}). */
final class MalformedRequestException extends DecoderException {
    MalformedRequestException(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
