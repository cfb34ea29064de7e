package org.wsging.http1;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.List;
import java.util.function.Consumer;
import org.wsging.websocket.HandshakeValidator;

/**
 * Netty's request decoder, with the raw bytes of every request head checked first by
 * {@link RequestHeadScanner} (request-line shape, obs-fold, control bytes, bare CR/LF) and those
 * of every chunked body by {@link ChunkedBodyScanner} (chunk lines, trailers). Small body pieces
 * decoded from one read are merged (see {@link #COALESCE_BELOW}). After any malformed message
 * the rest of the connection's input is discarded: the framing can no longer be trusted
 * (RFC 9112 §9.3 hints at closing; the error answer closes the connection).
 */
final class Http1RequestDecoder extends HttpRequestDecoder {

    /** Head bytes are scanned in pieces of this size, copied out of the buffer in one go each
     * (reading a direct buffer byte by byte costs a bounds and liveness check per byte). */
    private static final int SCAN_PIECE = 512;
    private static final int CHUNK_LINE_PIECE = 64;
    private static final FastThreadLocal<byte[]> SCAN_BUFFER = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SCAN_PIECE];
        }
    };

    /** Body pieces smaller than this, decoded one after the other from bytes already received,
     * are copied into one piece of up to {@link Http1ServerCodec#MAX_CHUNK_SIZE}: a body sent as
     * many tiny chunks then costs one pipeline pass and one link DATA frame per read, not per
     * chunk. Larger pieces pass as they are (slices, no copy). */
    static final int COALESCE_BELOW = 4096;

    /** What the decoder is reading, for the raw-byte checks that run ahead of Netty's parser. */
    private enum Phase {
        /** Between messages and in a head: bytes go through {@link RequestHeadScanner}. */
        HEAD,
        /** A chunked body: bytes go through {@link ChunkedBodyScanner}. */
        CHUNKED,
        /** Bytes that need no check of their own (a head that was checked, a Content-Length body,
         * the rest of a chunked body already checked). */
        UNCHECKED
    }

    private final RequestHeadScanner scanner = new RequestHeadScanner();
    private final ChunkedBodyScanner chunkScanner = new ChunkedBodyScanner();
    private final Consumer<HttpRequest> onRequest;
    private Phase phase = Phase.HEAD;
    /** Bytes at the front of the buffer already checked (a head or body arrives in pieces). */
    private int scannedAhead;
    private boolean headStartSignalled;
    private boolean discarding;
    /** The latest head is a WebSocket offer; once it is complete nothing more is decoded until
     * it is answered: after a 101 the bytes that follow are WebSocket frames, not requests. */
    private boolean offerHead;
    private boolean awaitingOfferAnswer;
    private ChannelHandlerContext ctx;

    /** @param onRequest told of every decoded request head, valid or not, in order */
    Http1RequestDecoder(HttpDecoderConfig config, Consumer<HttpRequest> onRequest) {
        super(config);
        this.onRequest = onRequest;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /**
     * The offer was answered with an ordinary response (or the connection is closing): it stays
     * HTTP/1.1, and the bytes held since are decoded as requests, in a task of their own so that
     * no decoding runs inside another. (An accepted offer removes this decoder, which hands those
     * bytes to the WebSocket frame layer instead.)
     */
    void offerAnswered() {
        if (!awaitingOfferAnswer || ctx == null) {
            return;
        }
        awaitingOfferAnswer = false;
        ctx.executor().execute(() -> {
            if (!ctx.isRemoved() && internalBuffer().isReadable()) {
                try {
                    channelRead(ctx, Unpooled.EMPTY_BUFFER);
                } catch (Exception e) {
                    ctx.fireExceptionCaught(e);
                }
            }
        });
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (awaitingOfferAnswer) {
            return; // the bytes stay in the buffer; reading is paused meanwhile (Http1ExchangeHandler)
        }
        if (discarding) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (phase != Phase.UNCHECKED && buffer.isReadable() && !check(ctx, buffer, out)) {
            return;
        }
        int firstNew = out.size();
        decodeAndCount(ctx, buffer, out);
        if (out.size() == firstNew + 1 && phase != Phase.HEAD && isSmallPiece(out.get(firstNew))) {
            coalesce(ctx, buffer, out);
        }
        for (int i = firstNew; i < out.size(); i++) {
            Object o = out.get(i);
            if (o instanceof HttpRequest request) {
                onRequest.accept(request);
                offerHead = request.decoderResult().isSuccess() && HandshakeValidator.isOffer(request.headers());
                // A head followed by its end in the same step has no body (most requests): only
                // a head Netty stopped after can start a chunked body.
                if (i == out.size() - 1 && request.decoderResult().isSuccess()
                        && HttpUtil.isTransferEncodingChunked(request)) {
                    // Netty stopped right after the head: the body starts at the reader index.
                    phase = Phase.CHUNKED;
                    chunkScanner.reset();
                    scannedAhead = 0;
                }
            }
            if (o instanceof HttpObject h && h.decoderResult().isFailure()) {
                discarding = true;
            } else if (o instanceof LastHttpContent) {
                awaitingOfferAnswer = offerHead;
                offerHead = false;
                phase = Phase.HEAD;
                headStartSignalled = false;
                scannedAhead = 0;
                scanner.reset();
            }
        }
    }

    /** Runs the check of the current phase over the bytes not yet checked; false after a failure. */
    private boolean check(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) {
        if (phase == Phase.HEAD && !headStartSignalled) {
            headStartSignalled = true;
            ctx.fireUserEventTriggered(RequestHeadStarted.INSTANCE);
        }
        int end = scan(buffer, buffer.readerIndex() + scannedAhead, buffer.writerIndex());
        if (end == -2) {
            out.add(phase == Phase.HEAD ? malformed(scanner.failure()) : malformedBody(chunkScanner.failure()));
            discarding = true;
            buffer.skipBytes(buffer.readableBytes());
            return false;
        }
        if (end == RequestHeadScanner.NEED_MORE) {
            scannedAhead = buffer.readableBytes();
        } else {
            // The head or chunked body ends within the buffer: what follows is not Netty's to
            // read before the phase changes (a head: the body; a body: the next head).
            phase = Phase.UNCHECKED;
            scannedAhead = end - buffer.readerIndex();
        }
        return true;
    }

    /** Netty's decoding step, with {@link #scannedAhead} kept relative to the reader index. */
    private void decodeAndCount(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int before = buffer.readerIndex();
        super.decode(ctx, buffer, out);
        scannedAhead = Math.max(0, scannedAhead - (buffer.readerIndex() - before));
    }

    private static boolean isSmallPiece(Object o) {
        return o instanceof HttpContent c && !(o instanceof LastHttpContent) && c.decoderResult().isSuccess()
                && c.content().readableBytes() < COALESCE_BELOW;
    }

    /**
     * Decodes on while the next pieces are small body pieces, copying them behind the last one,
     * which becomes one piece. Stops at anything else (the end of the body, a failure), which is
     * kept after the merged piece, and when the bytes received so far are used up.
     */
    private void coalesce(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        int at = out.size() - 1;
        HttpContent first = (HttpContent) out.get(at);
        ByteBuf merged = null;
        while (buffer.isReadable()) {
            int size = out.size();
            int readable = buffer.readableBytes();
            decodeAndCount(ctx, buffer, out);
            if (out.size() == size) {
                if (buffer.readableBytes() == readable) {
                    break; // Netty waits for more bytes
                }
                continue; // a chunk delimiter or size line was read
            }
            Object next = out.get(size);
            int total = (merged == null ? first.content().readableBytes() : merged.readableBytes());
            if (out.size() != size + 1 || !isSmallPiece(next)
                    || total + ((HttpContent) next).content().readableBytes() > Http1ServerCodec.MAX_CHUNK_SIZE) {
                break;
            }
            HttpContent piece = (HttpContent) out.remove(size);
            if (merged == null) {
                merged = ctx.alloc().buffer(Math.min(Http1ServerCodec.MAX_CHUNK_SIZE, total + readable));
                merged.writeBytes(first.content());
            }
            merged.writeBytes(piece.content());
            piece.release();
        }
        if (merged != null) {
            first.release();
            out.set(at, new DefaultHttpContent(merged));
        }
    }

    /** The current phase's scanner over bytes {@code [from, to)} of a ByteBuf: the index just
     * past the head or chunked body, {@link RequestHeadScanner#NEED_MORE}, or -2 when malformed. */
    private int scan(ByteBuf buffer, int from, int to) {
        byte[] piece = SCAN_BUFFER.get();
        boolean chunked = phase == Phase.CHUNKED;
        for (int at = from, n; at < to; at += n) {
            if (chunked) {
                at += chunkScanner.skipData(to - at); // chunk data is not copied out to be skipped
                if (at == to) {
                    break;
                }
            }
            // A chunk line is short: copy little more than it, the data after it is skipped.
            n = Math.min(chunked ? CHUNK_LINE_PIECE : piece.length, to - at);
            buffer.getBytes(at, piece, 0, n);
            int end = phase == Phase.HEAD ? scanner.scan(piece, 0, n) : chunkScanner.scan(piece, 0, n);
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

    /** A failed end of the body being received, the way Netty reports a bad chunk. */
    private static LastHttpContent malformedBody(String why) {
        var end = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        end.setDecoderResult(DecoderResult.failure(new MalformedRequestException(why)));
        return end;
    }

    /**
     * RFC 9110 §2.5: a request of a higher minor version than the server implements (HTTP/1.2)
     * is processed as the highest it does, HTTP/1.1. Other major versions pass on as they are,
     * for {@link RequestValidationHandler} to answer 505.
     */
    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        HttpMessage message = super.createMessage(initialLine);
        HttpVersion version = message.protocolVersion();
        if (version.majorVersion() == 1 && version.minorVersion() > 1) {
            message.setProtocolVersion(HttpVersion.HTTP_1_1);
        }
        return message;
    }

    private HttpRequest malformed(String why) {
        var request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_0, HttpMethod.GET, "/bad-request");
        request.setDecoderResult(DecoderResult.failure(new MalformedRequestException(why)));
        onRequest.accept(request);
        return request;
    }
}
