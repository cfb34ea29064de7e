package org.wsging;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The one format of the server's own lines on standard error: {@code wsging: MESSAGE}, and
 * {@code wsging: error: MESSAGE} for an error that stops the server or a request's work. Library
 * logging (Netty and the supervisor use java.util.logging) goes through the same format, warnings
 * and worse only, without stack traces: operators read these lines. Messages carry no prefix of
 * their own; the prefix is added here, once.
 */
public final class ServerLogging {
    static final String PREFIX = "wsging: ";

    private ServerLogging() {}

    /** An informational or warning line. */
    public static String line(String message) {
        return PREFIX + message;
    }

    /** An error line. */
    public static String error(String message) {
        return PREFIX + "error: " + message;
    }

    static String format(Level level, String message, Throwable thrown) {
        String text = message + (thrown != null ? ": " + thrown : "");
        return level.intValue() >= Level.SEVERE.intValue() ? error(text) : line(text);
    }

    static void configure() {
        Logger root = Logger.getLogger("");
        for (var h : root.getHandlers()) {
            root.removeHandler(h);
        }
        ConsoleHandler handler = new ConsoleHandler();
        handler.setLevel(Level.WARNING);
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord record) {
                return ServerLogging.format(record.getLevel(), formatMessage(record), record.getThrown())
                        + System.lineSeparator();
            }
        });
        root.addHandler(handler);
        root.setLevel(Level.WARNING);
    }
}
