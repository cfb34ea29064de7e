package org.wsging.http2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import org.wsging.http1.HttpDate;

/** The small text/plain answers the HTTP/2 front end gives itself: status, one line of reason. */
final class Http2ErrorResponse {
    private static final AsciiString TEXT_PLAIN = AsciiString.cached("text/plain; charset=utf-8");

    private Http2ErrorResponse() {}

    static ByteBuf body(ByteBufAllocator alloc, int status, String detail) {
        HttpResponseStatus s = HttpResponseStatus.valueOf(status);
        String text = status + " " + s.reasonPhrase() + (detail == null || detail.isEmpty() ? "" : ": " + detail) + "\n";
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        return alloc.buffer(bytes.length).writeBytes(bytes);
    }

    static Http2Headers head(int status, int length) {
        return new DefaultHttp2Headers(false, 5)
                .status(AsciiString.of(Integer.toString(status)))
                .add(Http2ResponseFields.CONTENT_TYPE, TEXT_PLAIN)
                .addInt(Http2ResponseFields.CONTENT_LENGTH, length)
                .add(Http2ResponseFields.DATE, HttpDate.now())
                .add(Http2ResponseFields.SERVER, Http2ResponseFields.SERVER_NAME);
    }
}
