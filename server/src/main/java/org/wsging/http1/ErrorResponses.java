package org.wsging.http1;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/** The small text/plain answers the front end gives itself: status line, one line of reason. */
final class ErrorResponses {
    private ErrorResponses() {}

    static FullHttpResponse of(ByteBufAllocator alloc, HttpResponseStatus status, String detail, boolean close) {
        String text = status.code() + " " + status.reasonPhrase()
                + (detail == null || detail.isEmpty() ? "" : ": " + detail) + "\n";
        byte[] body = text.getBytes(StandardCharsets.US_ASCII);
        var response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, alloc.buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }
}
