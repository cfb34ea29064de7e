package org.wsging.config;

/** @param accessLog one line per request on standard output */
public record LoggingConfig(boolean accessLog) {}
