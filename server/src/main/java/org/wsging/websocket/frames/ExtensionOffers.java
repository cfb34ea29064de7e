package org.wsging.websocket.frames;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads Sec-WebSocket-Extensions field values (RFC 6455 §9.1):
 * <pre>
 *   extension-list  = 1#extension
 *   extension       = token *( OWS ";" OWS extension-param )
 *   extension-param = token [ OWS "=" OWS ( token / quoted-string ) ]
 * </pre>
 * Empty list elements are skipped (RFC 9110 §5.6.1). Quoted values are unquoted.
 */
final class ExtensionOffers {

    /** One offered extension, its parameters in the order given (names may repeat). */
    record Offer(String name, List<Parameter> parameters) {
    }

    /** @param value null when the parameter has none */
    record Parameter(String name, String value) {
    }

    /** A field value that does not follow the grammar. */
    static final class MalformedException extends Exception {
        MalformedException(String why) {
            super(why, null, false, false);
        }
    }

    private final String text;
    private int pos;

    private ExtensionOffers(String text) {
        this.text = text;
    }

    /** The offers of every field value, in order. */
    static List<Offer> parse(List<String> fieldValues) throws MalformedException {
        List<Offer> offers = new ArrayList<>();
        for (String value : fieldValues) {
            new ExtensionOffers(value).readList(offers);
        }
        return offers;
    }

    private void readList(List<Offer> offers) throws MalformedException {
        while (true) {
            skipWhitespace();
            if (atEnd()) {
                return;
            }
            if (peek() == ',') {
                pos++;
                continue;
            }
            offers.add(readExtension());
            skipWhitespace();
            if (atEnd()) {
                return;
            }
            if (peek() != ',') {
                throw new MalformedException("expected ',' at " + pos + " in: " + text);
            }
            pos++;
        }
    }

    private Offer readExtension() throws MalformedException {
        String name = readToken();
        List<Parameter> parameters = new ArrayList<>();
        skipWhitespace();
        while (!atEnd() && peek() == ';') {
            pos++;
            skipWhitespace();
            String parameter = readToken();
            String value = null;
            skipWhitespace();
            if (!atEnd() && peek() == '=') {
                pos++;
                skipWhitespace();
                value = !atEnd() && peek() == '"' ? readQuoted() : readToken();
                skipWhitespace();
            }
            parameters.add(new Parameter(parameter, value));
        }
        return new Offer(name, List.copyOf(parameters));
    }

    private String readToken() throws MalformedException {
        int start = pos;
        while (!atEnd() && isTokenChar(peek())) {
            pos++;
        }
        if (pos == start) {
            throw new MalformedException("expected a token at " + start + " in: " + text);
        }
        return text.substring(start, pos);
    }

    private String readQuoted() throws MalformedException {
        StringBuilder value = new StringBuilder();
        pos++;   // the opening quote
        while (!atEnd()) {
            char c = text.charAt(pos++);
            if (c == '"') {
                return value.toString();
            }
            if (c == '\\') {
                if (atEnd()) {
                    break;
                }
                c = text.charAt(pos++);
            }
            if (c < 0x20 && c != '\t' || c == 0x7F) {
                throw new MalformedException("control character in a quoted string: " + text);
            }
            value.append(c);
        }
        throw new MalformedException("unterminated quoted string: " + text);
    }

    private void skipWhitespace() {
        while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
            pos++;
        }
    }

    private boolean atEnd() {
        return pos >= text.length();
    }

    private char peek() {
        return text.charAt(pos);
    }

    /** RFC 9110 §5.6.2 tchar. */
    private static boolean isTokenChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
    }
}
