package org.wsging.http1;

import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import org.wsging.config.Http1Config;

/**
 * The HTTP/1.x wire codec: requests in (with the size limits of the request line and header
 * section), responses out. Strict parsing: CRLF line ends only, validated header names and values,
 * RFC 9112 Transfer-Encoding rules (Content-Length with Transfer-Encoding is refused).
 */
public final class Http1ServerCodec extends CombinedChannelDuplexHandler<Http1RequestDecoder, Http1ResponseEncoder> {

    /** Largest body piece handed on at once: one link DATA frame (MAX_FRAME), so a body needs no more frames than it must. */
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    public Http1ServerCodec(Http1Config.Limits limits) {
        Http1ResponseEncoder encoder = new Http1ResponseEncoder();
        HttpDecoderConfig config = new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxRequestLine())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setValidateHeaders(true)
                .setStrictLineParsing(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setAllowPartialChunks(true);
        init(new Http1RequestDecoder(config, r -> encoder.requestDecoded(HttpMethod.HEAD.equals(r.method()))),
                encoder);
    }

    /** The WebSocket offer being served got an ordinary response: requests after it are decoded again. */
    void offerAnswered() {
        inboundHandler().offerAnswered();
    }
}
