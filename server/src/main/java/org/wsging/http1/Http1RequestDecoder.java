package org.wsging.http1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.function.Consumer;

/**
 * Netty's request decoder, with the raw bytes of every request head checked first by
 * {@link RequestHeadScanner} (obs-fold, control bytes, bare CR/LF). After any malformed message
 * the rest of the connection's input is discarded: the framing can no longer be trusted
 * (RFC 9112 §9.3 hints at closing; the error answer closes the connection).
 */
final class Http1RequestDecoder extends HttpRequestDecoder {

    /** Head bytes are scanned in pieces of this size, copied out of the buffer in one go each
     * (reading a direct buffer byte by byte costs a bounds and liveness check per byte). */
    private static final int SCAN_PIECE = 512;
    private static final FastThreadLocal<byte[]> SCAN_BUFFER = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCAN_PIECE];
        }
    };

    private final RequestHeadScanner scanner = new RequestHeadScanner();
    private final Consumer<HttpRequest> onRequest;
    /** True between messages and while the head is being received: bytes are scanned. */
    private boolean inHead = true;
    /** Bytes at the front of the buffer already scanned (the head arrives in pieces). */
    private int scannedAhead;
    private boolean headStartSignalled;
    private boolean discarding;

    /** @param onRequest told of every decoded request head, valid or not, in order */
    Http1RequestDecoder(HttpDecoderConfig config, Consumer<HttpRequest> onRequest) {
        super(config);
        this.onRequest = onRequest;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (discarding) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (inHead && buffer.isReadable()) {
            if (!headStartSignalled) {
                headStartSignalled = true;
                ctx.fireUserEventTriggered(RequestHeadStarted.INSTANCE);
            }
            int end = scan(buffer, buffer.readerIndex() + scannedAhead, buffer.writerIndex());
            if (end == -2) {
                out.add(malformed(scanner.failure()));
                discarding = true;
                buffer.skipBytes(buffer.readableBytes());
                return;
            }
            if (end == RequestHeadScanner.NEED_MORE) {
                scannedAhead = buffer.readableBytes();
            } else {
                inHead = false;
            }
        }
        int before = buffer.readerIndex();
        int firstNew = out.size();
        super.decode(ctx, buffer, out);
        if (inHead) {
            scannedAhead = Math.max(0, scannedAhead - (buffer.readerIndex() - before));
        }
        for (int i = firstNew; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest request) {
                onRequest.accept(request);
            }
            if (o instanceof HttpObject h && h.decoderResult().isFailure()) {
                discarding = true;
            } else if (o instanceof LastHttpContent) {
                inHead = true;
                headStartSignalled = false;
                scannedAhead = 0;
                scanner.reset();
            }
        }
    }

    /** {@link RequestHeadScanner#scan} over bytes {@code [from, to)} of a ByteBuf: the index just
     * past the head, {@link RequestHeadScanner#NEED_MORE}, or -2 when the head is malformed. */
    private int scan(ByteBuf buffer, int from, int to) {
        byte[] piece = SCAN_BUFFER.get();
        for (int at = from; at < to; at += piece.length) {
            int n = Math.min(piece.length, to - at);
            buffer.getBytes(at, piece, 0, n);
            int end = scanner.scan(piece, 0, n);
            if (end == -2) {
                return -2;
            }
            if (end != RequestHeadScanner.NEED_MORE) {
                return at + end;
            }
        }
        return RequestHeadScanner.NEED_MORE;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        if (!discarding) {
            super.decodeLast(ctx, in, out);
        }
    }

    private HttpRequest malformed(String why) {
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
        request.setDecoderResult(DecoderResult.failure(new MalformedRequestException(why)));
        onRequest.accept(request);
        return request;
    }
}
