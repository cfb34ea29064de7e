package org.wsging.http1;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Tells, among the messages written on an HTTP/1.x connection, which one ends a final
 * (2xx-5xx) response: the handlers that pair requests with their answers (timeouts, half-close)
 * count those. Informational 1xx responses (100 Continue, 103 Early Hints) precede the final one
 * and answer nothing. One per handler and connection; called from its {@code write}.
 */
final class FinalResponseEnd {

    /** A final response's head was written and its end was not. */
    private boolean open;

    /** Whether {@code msg}, being written, ends a final response. */
    boolean endedBy(Object msg) {
        if (msg instanceof HttpResponse response) {
            open = response.status().code() >= 200;
        }
        if (open && msg instanceof LastHttpContent) {
            open = false;
            return true;
        }
        return false;
    }

    /** A final response is being written: its head is out, its end is not. */
    boolean open() {
        return open;
    }
}
