package org.wsging.worker.link;

import io.netty.handler.codec.DecoderException;

/**
 * A link error (spec A.7): the peer broke the framing or a rule that concerns the whole link
 * (bad length, truncated payload, WINDOW of 0, ...). Scope is always the link: the receiver sends
 * GOAWAY with {@link #goAwayCode()} and closes. Side: {@link #remote()} tells whether the peer
 * sent the offending bytes (true for everything the decoder finds).
 *
 * <p>Extends {@link DecoderException} so Netty's decoder passes it up unwrapped.
 */
public final class LinkProtocolException extends DecoderException {
    /** GOAWAY code PROTOCOL_ERROR (spec A.7). */
    public static final int PROTOCOL_ERROR = 1;

    private final boolean remote;

    public LinkProtocolException(String message) {
        this(message, true);
    }

    public LinkProtocolException(String message, boolean remote) {
        super(message);
        this.remote = remote;
    }

    public boolean remote() {
        return remote;
    }

    public int goAwayCode() {
        return PROTOCOL_ERROR;
    }
}
