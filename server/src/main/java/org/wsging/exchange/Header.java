package org.wsging.exchange;

/**
 * One header field exactly as it travels: name and value are kept as received (no case folding,
 * no mangling). Characters are ISO-8859-1, one char per byte on the wire.
 */
public record Header(CharSequence name, CharSequence value) {}
