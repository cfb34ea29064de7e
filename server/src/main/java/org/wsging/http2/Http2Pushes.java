package org.wsging.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.wsging.exchange.FieldRules;
import org.wsging.exchange.Header;

/**
 * Server push on one HTTP/2 connection (spec 8.5, RFC 9113 §8.4): decides whether an
 * application's push can happen, sends the PUSH_PROMISE on the parent stream and hands the
 * promised request to {@link Http2Streams}, which serves it like a client's request through the
 * whole application (MUST-PUSH-2). Runs on the connection's event loop.
 */
final class Http2Pushes {
    /** Promised streams not yet closed, per connection, at most (the client's own limit may be lower). */
    static final int MAX_PROMISED = 16;
    /** Copied from the parent request when the push does not set them (spec 8.5). */
    private static final List<AsciiString> COPIED = List.of(AsciiString.cached("accept-encoding"),
            AsciiString.cached("accept-language"), AsciiString.cached("user-agent"));
    /** Fields a promised request cannot carry (RFC 9113 §8.2.2), or that the server sets itself. */
    private static final Set<String> REFUSED = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade", "te", "host", "content-length");
    private static final AsciiString GET = AsciiString.cached("GET");
    private static final AsciiString HOST = AsciiString.cached("host");

    /** What starts the promised request: the stream Netty reserved, and the request's fields. */
    interface Starter {
        void start(Http2Stream promised, Http2RequestFields fields);
    }

    private final AsciiString scheme;
    private final Set<Integer> promised = new HashSet<>();
    private Http2ServerHandler conn;

    Http2Pushes(String scheme) {
        this.scheme = AsciiString.of(scheme);
    }

    void attach(Http2ServerHandler handler) {
        this.conn = handler;
        handler.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                promised.remove(stream.id());
            }
        });
    }

    /** Whether a client request may be offered push: the client has not disabled it
     * (SETTINGS_ENABLE_PUSH = 0), and neither side has sent GOAWAY (a server shutting down
     * starts no new stream). A pushed request never is. */
    boolean offered() {
        Http2Connection c = conn.connection();
        return c.remote().allowPushTo() && !c.goAwayReceived() && !c.goAwaySent();
    }

    /**
     * Promises {@code path} on {@code parent}'s stream and starts the promised request; false,
     * with nothing sent, when it cannot happen: the parent's response has ended, the client
     * disabled push or sent GOAWAY, {@link #MAX_PROMISED} or the client's stream limit is
     * reached, or the worker's fields cannot be sent.
     */
    boolean promise(Http2Exchange parent, String path, List<Header> given, Starter starter) {
        Http2Connection c = conn.connection();
        if (parent.done || !parent.stream.state().localSideOpen() || (parent.id & 1) == 0 || !offered()) {
            return false;
        }
        if (promised.size() >= Math.min(MAX_PROMISED, c.local().maxActiveStreams()) || !c.local().canOpenStream()) {
            return false;
        }
        List<Header> fields;
        try {
            checkPath(path);
            fields = fields(parent, given);
        } catch (IllegalArgumentException e) {
            System.err.println("wsging: error: push of " + path + " not sent: " + e.getMessage());
            return false;
        }
        String authority = parent.request.authority() != null ? parent.request.authority() : host(fields);
        Http2Headers headers = new DefaultHttp2Headers(false, fields.size() + 4)
                .method(GET).scheme(scheme).path(path);
        if (authority != null) {
            headers.authority(authority);
        }
        for (Header h : fields) {
            if (!AsciiString.contentEquals(h.name(), HOST)) {
                headers.add(h.name(), h.value());
            }
        }
        int id = c.local().incrementAndGetNextStreamId();
        if (id < 0) {
            return false; // stream ids exhausted
        }
        ChannelHandlerContext ctx = conn.ctx();
        ChannelPromise written = ctx.newPromise();
        conn.encoder().writePushPromise(ctx, parent.id, id, headers, 0, written);
        Http2Stream stream = c.stream(id);
        if (stream == null || (written.isDone() && !written.isSuccess())) {
            return false; // Netty refused the reservation (push disabled, stream limits)
        }
        promised.add(id);
        conn.scheduleFlush();
        starter.start(stream, new Http2RequestFields("GET", path, authority, List.copyOf(fields), -1));
        return true;
    }

    /** An origin-form target of visible ASCII without a fragment, as the worker's API checks it
     * (spec 8.5); the front end does not take a worker's word for it. */
    private static void checkPath(String path) {
        if (path.length() < 1 || path.charAt(0) != '/' || path.startsWith("//")) {
            throw new IllegalArgumentException("the path is not origin-form");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '#') {
                throw new IllegalArgumentException("the path holds a character a request target cannot carry");
            }
        }
    }

    /** The promised request's fields: host first, the given ones (names lower-cased, as HTTP/2
     * carries them), then the copied ones the push did not set. */
    private static List<Header> fields(Http2Exchange parent, List<Header> given) {
        List<Header> out = new ArrayList<>(given.size() + 4);
        CharSequence host = parent.request.authority();
        for (Header h : parent.request.headers()) {
            if (host == null && AsciiString.contentEqualsIgnoreCase(h.name(), HOST)) {
                host = h.value();
            }
        }
        if (host != null) {
            out.add(new Header(HOST, host));
        }
        Set<String> names = new HashSet<>();
        for (Header h : given) {
            String name = FieldRules.name(h.name()).toString().toLowerCase(Locale.ROOT);
            if (REFUSED.contains(name)) {
                throw new IllegalArgumentException("field " + name + " cannot be given for a push");
            }
            names.add(name);
            out.add(new Header(AsciiString.of(name), FieldRules.value(name, h.value())));
        }
        for (Header h : parent.request.headers()) {
            for (AsciiString copied : COPIED) {
                if (AsciiString.contentEqualsIgnoreCase(h.name(), copied) && !names.contains(copied.toString())) {
                    out.add(new Header(copied, h.value()));
                }
            }
        }
        return out;
    }

    private static String host(List<Header> fields) {
        for (Header h : fields) {
            if (AsciiString.contentEquals(h.name(), HOST)) {
                return h.value().toString();
            }
        }
        return null;
    }
}
