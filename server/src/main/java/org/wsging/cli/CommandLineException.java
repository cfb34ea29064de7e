package org.wsging.cli;

/** The command line cannot be used; the message is one line for {@code wsging: error: <message>}. */
public final class CommandLineException extends Exception {
    public CommandLineException(String message) {
        super(message, null, false, false);
    }
}
