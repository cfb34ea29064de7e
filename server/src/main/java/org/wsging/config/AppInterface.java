package org.wsging.config;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * What kind of callable {@code MODULE:ATTR} names (--interface): a WSGI-NG application, a
 * PEP 3333 one, an ASGI 3 one, or "find out from its signature". The worker adapts the last
 * three with the shims of spec 15 ({@code from_wsgi}, {@code from_asgi}); the front end only
 * passes the choice on.
 */
public enum AppInterface {
    NG("ng"),
    WSGI("wsgi"),
    ASGI("asgi"),
    AUTO("auto");

    private final String cliName;

    AppInterface(String cliName) {
        this.cliName = cliName;
    }

    /** The name on the command line and in the worker's environment. */
    public String cliName() {
        return cliName;
    }

    /** The interface named {@code name}, or null when none is. */
    public static AppInterface byName(String name) {
        for (AppInterface i : values()) {
            if (i.cliName.equals(name)) {
                return i;
            }
        }
        return null;
    }

    /** "ng, wsgi, asgi or auto", for error messages. */
    public static String names() {
        String all = Arrays.stream(values()).map(AppInterface::cliName).collect(Collectors.joining(", "));
        int last = all.lastIndexOf(", ");
        return all.substring(0, last) + " or " + all.substring(last + 2);
    }
}
