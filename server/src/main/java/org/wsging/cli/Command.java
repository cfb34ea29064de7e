package org.wsging.cli;

import org.wsging.config.ServerConfig;

/** What the command line asks for. */
public sealed interface Command {
    /** {@code --help}: print the usage text and exit 0. */
    record Help(String text) implements Command {}

    /** {@code serve MODULE:ATTR ...}: run the server. */
    record Serve(ServerConfig config) implements Command {}
}
