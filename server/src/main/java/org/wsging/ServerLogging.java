package org.wsging;

import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Library logging (Netty uses java.util.logging here) becomes one concise line per event on
 * standard error, warnings and worse only, without stack traces: operators read these lines.
 */
final class ServerLogging {
    private ServerLogging() {}

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
                String message = formatMessage(record);
                Throwable thrown = record.getThrown();
                return "wsging: " + message + (thrown != null ? ": " + thrown : "") + System.lineSeparator();
            }
        });
        root.addHandler(handler);
        root.setLevel(Level.WARNING);
    }
}
