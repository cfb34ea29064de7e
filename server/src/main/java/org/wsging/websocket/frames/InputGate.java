package org.wsging.websocket.frames;

/**
 * Whether the client's bytes still mean anything, shared by the handlers one
 * {@link WebSocketFrames#install} puts on a channel. It closes after the client's close frame
 * (RFC 6455 §5.5.1: nothing follows it) and after a protocol failure; the decoder then discards
 * what arrives instead of decoding it.
 */
final class InputGate {

    private boolean open = true;

    boolean isOpen() {
        return open;
    }

    void close() {
        open = false;
    }
}
