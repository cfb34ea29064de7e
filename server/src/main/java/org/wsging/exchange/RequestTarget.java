package org.wsging.exchange;

/**
 * The path and query of a request target, split exactly as received (no decoding): what
 * {@link RequestHead#rawPath()} and {@link RequestHead#rawQuery()} carry. Handles the forms of
 * RFC 9112 §3.2: origin-form ({@code /a?b}), absolute-form ({@code http://host/a?b}, whose path is
 * taken), and asterisk-form ({@code *} for OPTIONS).
 *
 * @param rawPath  the path, before the first '?'
 * @param rawQuery what follows the first '?', empty when there is none
 */
public record RequestTarget(String rawPath, String rawQuery) {

    /** Splits a target that {@link #problem} accepted. */
    public static RequestTarget parse(String target) {
        String rest = target;
        // origin-form, nearly every request: no scheme to look for
        int schemeEnd = !target.isEmpty() && target.charAt(0) == '/' ? -1 : absoluteFormAuthorityStart(target);
        if (schemeEnd >= 0) {
            int pathStart = schemeEnd;
            while (pathStart < target.length() && "/?".indexOf(target.charAt(pathStart)) < 0) {
                pathStart++;
            }
            rest = target.substring(pathStart);
            // RFC 9112 §3.2.2: an empty path in absolute-form means "/" (for OPTIONS, "*").
            if (rest.isEmpty() || rest.charAt(0) == '?') {
                rest = "/" + rest;
            }
        }
        int q = rest.indexOf('?');
        if (q < 0) {
            return new RequestTarget(rest, "");
        }
        return new RequestTarget(rest.substring(0, q), rest.substring(q + 1));
    }

    /** @return why the target is unusable for {@code method}, or null when it is fine */
    public static String problem(String method, String target) {
        if (target.isEmpty()) {
            return "empty request target";
        }
        if (target.charAt(0) == '/') {
            return null;
        }
        if (target.equals("*")) {
            return method.equals("OPTIONS") ? null : "'*' is only a target for OPTIONS";
        }
        int authority = absoluteFormAuthorityStart(target);
        if (authority >= 0 && authority < target.length() && "/?".indexOf(target.charAt(authority)) < 0) {
            return null;
        }
        return "invalid request target";
    }

    /** Index just past {@code scheme://} when the target is in absolute-form, else -1. */
    private static int absoluteFormAuthorityStart(String target) {
        int sep = target.indexOf("://");
        if (sep <= 0) {
            return -1;
        }
        // RFC 3986 §3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
        if (!isAlpha(target.charAt(0))) {
            return -1;
        }
        for (int i = 1; i < sep; i++) {
            char c = target.charAt(i);
            if (!isAlpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.') {
                return -1;
            }
        }
        return sep + 3;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
