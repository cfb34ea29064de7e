package org.wsging.http1;

/**
 * User event fired by {@link Http1RequestDecoder} when the first byte of a request head arrives:
 * the connection stops being idle and the head timeout starts (see {@link Http1TimeoutHandler}).
 */
public enum RequestHeadStarted {
    INSTANCE
}
