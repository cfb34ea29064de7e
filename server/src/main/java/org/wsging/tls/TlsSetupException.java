package org.wsging.tls;

/** TLS cannot be set up from the files given; the message is one line for {@code wsging: error: <message>}. */
public final class TlsSetupException extends Exception {
    public TlsSetupException(String message) {
        super(message, null, false, false);
    }
}
