package org.wsging.websocket.frames;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;

/**
 * Installs the RFC 6455 frame handlers on a channel whose pipeline no longer has HTTP/1 codecs.
 *
 * <p>This build's frame layer rests on Netty's WebSocket codec and a small bridge to the
 * session's events ({@link InterimFrameBridge}): it unmasks, validates and answers pings as the
 * contract says, without compression and with UTF-8 checked per frame rather than per byte.
 */
public final class WebSocketFrames {
    private WebSocketFrames() {}

    /**
     * Adds the decoder, assembler/validator and encoder before {@code beforeHandlerName}, so
     * inbound events reach that handler and its outbound writes pass through them. Client pings
     * are answered here.
     */
    public static void install(ChannelPipeline pipeline, String beforeHandlerName, FrameSettings settings) {
        if (settings.deflate() != null) {
            throw new IllegalArgumentException("this frame layer has no permessage-deflate");
        }
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .maxFramePayloadLength((int) Math.min(settings.maxMessageSize(), Integer.MAX_VALUE))
                .build();
        pipeline.addBefore(beforeHandlerName, "ws-encoder", new WebSocket13FrameEncoder(false));
        pipeline.addBefore(beforeHandlerName, "ws-decoder", new WebSocket13FrameDecoder(config));
        pipeline.addBefore(beforeHandlerName, "ws-utf8", new Utf8FrameValidator(true));
        pipeline.addBefore(beforeHandlerName, "ws-bridge", new InterimFrameBridge(settings));
    }
}
