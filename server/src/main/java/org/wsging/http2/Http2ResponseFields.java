package org.wsging.http2;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.List;
import org.wsging.exchange.FieldRules;
import org.wsging.exchange.Header;
import org.wsging.http1.HttpDate;

/**
 * Response fields from the application as HTTP/2 carries them: names in lower case (RFC 9113
 * §8.2.1), connection-specific fields left out (§8.2.2: they mean nothing on a multiplexed
 * connection), every field checked by the rules HTTP/1.1 uses ({@link FieldRules}).
 */
final class Http2ResponseFields {
    static final AsciiString DATE = AsciiString.cached("date");
    static final AsciiString SERVER = AsciiString.cached("server");
    static final AsciiString SERVER_NAME = AsciiString.cached("wsging");
    static final AsciiString CONTENT_LENGTH = AsciiString.cached("content-length");
    static final AsciiString CONTENT_TYPE = AsciiString.cached("content-type");

    private Http2ResponseFields() {}

    /** A response head; the application's {@code content-length}, if any, is kept.
     * @throws IllegalArgumentException when a field breaks the rules */
    static Http2Headers head(int status, List<Header> fields) {
        Http2Headers h = new DefaultHttp2Headers(false, fields.size() + 3);
        h.status(HttpResponseStatus.valueOf(status).codeAsText()); // cached for the known codes
        boolean date = false;
        boolean server = false;
        for (int i = 0, n = fields.size(); i < n; i++) {
            Header f = fields.get(i);
            AsciiString name = lowerName(f.name());
            if (name == null) {
                continue;
            }
            if (name.length() == 4) {
                date |= name.contentEquals(DATE);
            } else if (name.length() == 6) {
                server |= name.contentEquals(SERVER);
            }
            h.add(name, FieldRules.value(f.name(), f.value()));
        }
        if (status >= 200) {
            if (!date) {
                h.add(DATE, HttpDate.now());
            }
            if (!server) {
                h.add(SERVER, SERVER_NAME);
            }
        }
        return h;
    }

    /** Trailer fields; invalid ones and those that frame or route a message are dropped alone
     * (RFC 9110 §6.5.1), as the head went out already. */
    static Http2Headers trailers(List<Header> fields) {
        Http2Headers h = new DefaultHttp2Headers(false, fields.size());
        for (Header f : fields) {
            try {
                AsciiString name = lowerName(f.name());
                if (name == null || name.contentEquals(CONTENT_LENGTH) || name.contentEquals("host")
                        || name.contentEquals("content-type") || name.contentEquals("content-encoding")) {
                    continue;
                }
                h.add(name, FieldRules.value(f.name(), f.value()));
            } catch (IllegalArgumentException e) {
                // dropped alone
            }
        }
        return h;
    }

    /** The name in lower case, or null for a field HTTP/2 does not carry. */
    private static AsciiString lowerName(CharSequence raw) {
        FieldRules.name(raw);
        if (connectionSpecific(raw)) {
            return null;
        }
        return AsciiString.of(raw).toLowerCase(); // the same object when it is lower case already
    }

    /** RFC 9113 §8.2.2: Connection and the fields it names on HTTP/1.1 mean nothing here. The
     * length is looked at first: most names are compared with nothing. */
    private static boolean connectionSpecific(CharSequence name) {
        return switch (name.length()) {
            case 7 -> AsciiString.contentEqualsIgnoreCase(name, "upgrade");
            case 10 -> AsciiString.contentEqualsIgnoreCase(name, "connection")
                    || AsciiString.contentEqualsIgnoreCase(name, "keep-alive");
            case 16 -> AsciiString.contentEqualsIgnoreCase(name, "proxy-connection");
            case 17 -> AsciiString.contentEqualsIgnoreCase(name, "transfer-encoding");
            default -> false;
        };
    }
}
