package org.wsging.exchange;

/** Capability bits of a request (spec A.6); the worker turns them into {@code request.capabilities}. */
public final class Capabilities {
    public static final int RESPONSE_TRAILERS = 0x01;
    public static final int EARLY_HINTS = 0x02;
    public static final int PUSH = 0x04;
    public static final int WEBSOCKET = 0x08;
    public static final int REQUEST_TRAILERS = 0x10;

    private Capabilities() {}
}
