package org.wsging.worker.link;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.HttpVersion;
import org.wsging.exchange.RequestHead;
import org.wsging.tls.ClientCertificate;
import org.wsging.tls.TlsFacts;

/** Converts frames to and from the JSON shape of spec/link-vectors.json (byte strings as latin-1 text). */
final class FrameJson {
    private FrameJson() {}

    static JsonObject toJson(Frame frame) {
        JsonObject o = new JsonObject();
        int flags = 0;
        switch (frame) {
            case Frame.Hello h -> {
                o.addProperty("type", "HELLO");
                o.addProperty("version", h.version());
                JsonArray settings = new JsonArray();
                for (Frame.Setting s : h.settings()) {
                    JsonArray pair = new JsonArray();
                    pair.add(s.id());
                    pair.add(s.value());
                    settings.add(pair);
                }
                o.add("settings", settings);
            }
            case Frame.Request r -> {
                RequestHead h = r.head();
                o.addProperty("type", "REQUEST");
                o.addProperty("http_version", h.version().text);
                o.addProperty("scheme", h.scheme());
                o.addProperty("method", h.method());
                o.addProperty("path", h.rawPath());
                o.addProperty("query", h.rawQuery());
                o.add("client", address(h.client()));
                o.add("server", address(h.server()));
                o.addProperty("content_length", h.contentLength());
                o.addProperty("capabilities", h.capabilities());
                o.add("headers", fields(h.headers()));
                flags = (h.hasBody() ? 0 : FrameType.FLAG_END_STREAM) | (h.expectContinue() ? FrameType.FLAG_EXPECT_CONTINUE : 0)
                        | (h.pushed() ? FrameType.FLAG_PUSHED : 0) | (h.websocket() ? FrameType.FLAG_WEBSOCKET : 0)
                        | (r.sameTls() ? FrameType.FLAG_SAME_TLS : 0);
            }
            case Frame.Data d -> {
                o.addProperty("type", "DATA");
                o.addProperty("data", d.data().toString(StandardCharsets.ISO_8859_1));
                flags = d.endStream() ? FrameType.FLAG_END_STREAM : 0;
            }
            case Frame.Response r -> {
                o.addProperty("type", "RESPONSE");
                o.addProperty("status", r.status());
                o.add("headers", fields(r.headers()));
                flags = r.endStream() ? FrameType.FLAG_END_STREAM : 0;
            }
            case Frame.Informational i -> {
                o.addProperty("type", "INFORMATIONAL");
                o.addProperty("status", i.status());
                o.add("headers", fields(i.headers()));
            }
            case Frame.Trailers t -> {
                o.addProperty("type", "TRAILERS");
                o.add("headers", fields(t.headers()));
            }
            case Frame.Reset r -> {
                o.addProperty("type", "RESET");
                o.addProperty("code", r.code());
            }
            case Frame.Window w -> {
                o.addProperty("type", "WINDOW");
                o.addProperty("increment", w.increment());
            }
            case Frame.Ping p -> {
                o.addProperty("type", "PING");
                o.addProperty("data", new String(Unpooled.copyLong(p.opaque()).array(), StandardCharsets.ISO_8859_1));
                flags = p.ack() ? FrameType.FLAG_ACK : 0;
            }
            case Frame.GoAway g -> {
                o.addProperty("type", "GOAWAY");
                o.addProperty("code", g.code());
                o.addProperty("reason", g.reason());
            }
            case Frame.FileResponse f -> {
                o.addProperty("type", "FILE_RESPONSE");
                o.addProperty("status", f.status());
                o.add("headers", fields(f.headers()));
                o.addProperty("path", f.file().path().toString());
                o.addProperty("offset", f.file().offset());
                o.addProperty("length", f.file().length());
                o.addProperty("device", new BigInteger(Long.toUnsignedString(f.file().device())));
                o.addProperty("inode", new BigInteger(Long.toUnsignedString(f.file().inode())));
            }
            case Frame.BodyMemory b -> {
                o.addProperty("type", "BODY_MEMORY");
                o.addProperty("slot_size", b.slotSize());
                o.addProperty("slot_count", b.slotCount());
                o.addProperty("path", b.path());
                flags = b.ack() ? FrameType.FLAG_ACK : 0;
            }
            case Frame.SharedData d -> {
                o.addProperty("type", "SHARED_DATA");
                o.addProperty("slot", d.slot());
                o.addProperty("length", d.length());
                flags = d.endStream() ? FrameType.FLAG_END_STREAM : 0;
            }
            case Frame.Release r -> {
                o.addProperty("type", "RELEASE");
                JsonArray slots = new JsonArray();
                r.slots().forEach(slots::add);
                o.add("slots", slots);
            }
            case Frame.Tls t -> {
                TlsFacts f = t.facts();
                o.addProperty("type", "TLS");
                o.addProperty("version", f.version());
                o.addProperty("cipher", f.cipher());
                o.addProperty("server_name", f.serverName());
                o.addProperty("alpn_protocol", f.alpn());
                if (f.clientCert() == null) {
                    o.add("client_cert", JsonNull.INSTANCE);
                } else {
                    JsonObject c = new JsonObject();
                    c.addProperty("subject", f.clientCert().subject());
                    c.addProperty("issuer", f.clientCert().issuer());
                    c.addProperty("serial", f.clientCert().serial());
                    c.addProperty("pem", f.clientCert().pem());
                    o.add("client_cert", c);
                }
            }
            case Frame.Push p -> {
                o.addProperty("type", "PUSH");
                o.addProperty("token", p.token());
                o.addProperty("path", p.path());
                o.add("headers", fields(p.headers()));
            }
            case Frame.PushResult r -> {
                o.addProperty("type", "PUSH_RESULT");
                o.addProperty("token", r.token());
                o.addProperty("accepted", r.accepted());
            }
            case Frame.Priority p -> {
                o.addProperty("type", "PRIORITY");
                o.addProperty("value", p.value());
            }
            case Frame.WsAccept a -> {
                o.addProperty("type", "WS_ACCEPT");
                o.addProperty("options", a.options());
                o.addProperty("max_message_size", a.maxMessageSize());
                o.addProperty("subprotocol", a.subprotocol());
                o.add("headers", fields(a.headers()));
            }
            case Frame.WsOpen w -> {
                o.addProperty("type", "WS_OPEN");
                o.addProperty("extensions", w.extensions());
            }
            case Frame.WsMessage m -> {
                o.addProperty("type", "WS_MESSAGE");
                o.addProperty("data", m.data().toString(StandardCharsets.ISO_8859_1));
                flags = (m.text() ? FrameType.FLAG_TEXT : 0) | (m.continues() ? FrameType.FLAG_CONTINUES : 0)
                        | (m.uncompressed() ? FrameType.FLAG_UNCOMPRESSED : 0);
            }
            case Frame.WsClose c -> {
                o.addProperty("type", "WS_CLOSE");
                if (c.code() == Frame.WsClose.NO_CODE) {
                    o.add("code", JsonNull.INSTANCE);
                } else {
                    o.addProperty("code", c.code());
                }
                o.addProperty("reason", c.reason());
            }
            case Frame.WsPing p -> {
                o.addProperty("type", "WS_PING");
                o.addProperty("data", new String(p.payload(), StandardCharsets.ISO_8859_1));
            }
            case Frame.WsPong p -> {
                o.addProperty("type", "WS_PONG");
                o.addProperty("data", new String(p.payload(), StandardCharsets.ISO_8859_1));
            }
        }
        o.addProperty("flags", flags);
        o.addProperty("stream", Integer.toUnsignedLong(frame.streamId()));
        return o;
    }

    /** Builds the frame a vector describes; DATA frames hold a fresh buffer the caller releases. */
    static Frame fromJson(JsonObject o) {
        int flags = o.get("flags").getAsInt();
        int stream = (int) o.get("stream").getAsLong();
        boolean end = (flags & FrameType.FLAG_END_STREAM) != 0;
        return switch (o.get("type").getAsString()) {
            case "HELLO" -> {
                List<Frame.Setting> settings = new ArrayList<>();
                for (JsonElement e : o.getAsJsonArray("settings")) {
                    JsonArray pair = e.getAsJsonArray();
                    settings.add(new Frame.Setting(pair.get(0).getAsInt(), pair.get(1).getAsLong()));
                }
                yield new Frame.Hello(o.get("version").getAsInt(), settings);
            }
            case "REQUEST" -> new Frame.Request(stream, new RequestHead(
                    version(o.get("http_version").getAsString()), o.get("scheme").getAsString(),
                    o.get("method").getAsString(), o.get("path").getAsString(), o.get("query").getAsString(),
                    address(o.getAsJsonArray("client")), address(o.getAsJsonArray("server")),
                    o.get("content_length").getAsLong(), o.get("capabilities").getAsInt(),
                    headers(o.getAsJsonArray("headers")), !end, (flags & FrameType.FLAG_EXPECT_CONTINUE) != 0,
                    null, (flags & FrameType.FLAG_PUSHED) != 0, (flags & FrameType.FLAG_WEBSOCKET) != 0),
                    (flags & FrameType.FLAG_SAME_TLS) != 0);
            case "DATA" -> new Frame.Data(stream, Unpooled.copiedBuffer(o.get("data").getAsString(),
                    StandardCharsets.ISO_8859_1), end);
            case "RESPONSE" -> new Frame.Response(stream, o.get("status").getAsInt(), headers(o.getAsJsonArray("headers")), end);
            case "INFORMATIONAL" -> new Frame.Informational(stream, o.get("status").getAsInt(), headers(o.getAsJsonArray("headers")));
            case "TRAILERS" -> new Frame.Trailers(stream, headers(o.getAsJsonArray("headers")));
            case "RESET" -> new Frame.Reset(stream, o.get("code").getAsLong());
            case "WINDOW" -> new Frame.Window(stream, o.get("increment").getAsLong());
            case "PING" -> {
                ByteBuf b = Unpooled.copiedBuffer(o.get("data").getAsString(), StandardCharsets.ISO_8859_1);
                long opaque = b.readLong();
                yield new Frame.Ping(opaque, (flags & FrameType.FLAG_ACK) != 0);
            }
            case "GOAWAY" -> new Frame.GoAway(o.get("code").getAsLong(), o.get("reason").getAsString());
            case "FILE_RESPONSE" -> new Frame.FileResponse(stream, o.get("status").getAsInt(),
                    headers(o.getAsJsonArray("headers")), new FileBody(o.get("path").getAsString(),
                            o.get("offset").getAsLong(), o.get("length").getAsLong(),
                            o.get("device").getAsBigInteger().longValue(), o.get("inode").getAsBigInteger().longValue()));
            case "BODY_MEMORY" -> new Frame.BodyMemory(o.get("slot_size").getAsLong(), o.get("slot_count").getAsInt(),
                    o.get("path").getAsString(), (flags & FrameType.FLAG_ACK) != 0);
            case "SHARED_DATA" -> new Frame.SharedData(stream, o.get("slot").getAsInt(), o.get("length").getAsLong(), end);
            case "RELEASE" -> {
                List<Integer> slots = new ArrayList<>();
                for (JsonElement e : o.getAsJsonArray("slots")) {
                    slots.add(e.getAsInt());
                }
                yield new Frame.Release(slots);
            }
            case "TLS" -> {
                JsonElement c = o.get("client_cert");
                ClientCertificate cert = c.isJsonNull() ? null : new ClientCertificate(
                        c.getAsJsonObject().get("subject").getAsString(), c.getAsJsonObject().get("issuer").getAsString(),
                        c.getAsJsonObject().get("serial").getAsString(), c.getAsJsonObject().get("pem").getAsString());
                yield new Frame.Tls(stream, new TlsFacts(o.get("version").getAsString(), o.get("cipher").getAsString(),
                        textOrNull(o.get("server_name")), textOrNull(o.get("alpn_protocol")), cert));
            }
            case "PUSH" -> new Frame.Push(stream, o.get("token").getAsLong(), o.get("path").getAsString(),
                    headers(o.getAsJsonArray("headers")));
            case "PUSH_RESULT" -> new Frame.PushResult(o.get("token").getAsLong(), o.get("accepted").getAsBoolean());
            case "PRIORITY" -> new Frame.Priority(stream, o.get("value").getAsString());
            case "WS_ACCEPT" -> new Frame.WsAccept(stream, o.get("options").getAsInt(),
                    o.get("max_message_size").getAsLong(), o.get("subprotocol").getAsString(),
                    headers(o.getAsJsonArray("headers")));
            case "WS_OPEN" -> new Frame.WsOpen(stream, o.get("extensions").getAsString());
            case "WS_MESSAGE" -> new Frame.WsMessage(stream, Unpooled.copiedBuffer(o.get("data").getAsString(),
                    StandardCharsets.ISO_8859_1), (flags & FrameType.FLAG_TEXT) != 0,
                    (flags & FrameType.FLAG_CONTINUES) != 0, (flags & FrameType.FLAG_UNCOMPRESSED) != 0);
            case "WS_CLOSE" -> new Frame.WsClose(stream,
                    o.get("code").isJsonNull() ? Frame.WsClose.NO_CODE : o.get("code").getAsInt(),
                    o.get("reason").getAsString());
            case "WS_PING" -> new Frame.WsPing(stream, o.get("data").getAsString().getBytes(StandardCharsets.ISO_8859_1));
            case "WS_PONG" -> new Frame.WsPong(stream, o.get("data").getAsString().getBytes(StandardCharsets.ISO_8859_1));
            default -> throw new IllegalArgumentException("unknown vector type " + o.get("type"));
        };
    }

    private static String textOrNull(JsonElement e) {
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static HttpVersion version(String text) {
        for (HttpVersion v : HttpVersion.values()) {
            if (v.text.equals(text)) {
                return v;
            }
        }
        throw new IllegalArgumentException(text);
    }

    private static JsonArray address(InetSocketAddress a) {
        JsonArray pair = new JsonArray();
        pair.add(a == null ? "" : a.getHostString());
        pair.add(a == null ? 0 : a.getPort());
        return pair;
    }

    private static InetSocketAddress address(JsonArray pair) {
        String host = pair.get(0).getAsString();
        int port = pair.get(1).getAsInt();
        return host.isEmpty() && port == 0 ? null : InetSocketAddress.createUnresolved(host, port);
    }

    private static JsonArray fields(List<Header> headers) {
        JsonArray list = new JsonArray();
        for (Header h : headers) {
            JsonArray pair = new JsonArray();
            pair.add(h.name().toString());
            pair.add(h.value().toString());
            list.add(pair);
        }
        return list;
    }

    private static List<Header> headers(JsonArray list) {
        List<Header> out = new ArrayList<>();
        for (JsonElement e : list) {
            JsonArray pair = e.getAsJsonArray();
            out.add(new Header(pair.get(0).getAsString(), pair.get(1).getAsString()));
        }
        return out;
    }
}
