package org.wsging.websocket.frames;

import io.netty.channel.ChannelPipeline;

/**
 * Puts the WebSocket frame layer on a channel once the handshake is done. Inbound, in the order
 * bytes travel:
 * <pre>
 *   ws-frame-decoder      bytes to frame chunks and control frames; single-frame rules
 *   ws-frame-encoder      (outbound) frames to bytes; nothing after a close frame
 *   ws-control-frames     pings answered, pongs and close frames up
 *   ws-message-assembler  fragments into messages; sequencing; size known from headers
 *   ws-inflate            (with permessage-deflate) decompression bounded by the message size
 *   ws-deflate            (with permessage-deflate; outbound) compression of outgoing messages
 *   ws-text-validator     UTF-8 of text messages as it arrives; {@link MessagePiece}s up
 *   ws-protocol-failure   a violation: close frame, TCP close, {@link ProtocolFailure} up
 * </pre>
 * The session handler after them receives {@link MessagePiece}, {@link PeerPong},
 * {@link PeerClose} and {@link ProtocolFailure}, and writes {@link OutboundPiece},
 * {@link OutboundPing} and {@link OutboundClose}.
 */
public final class WebSocketFrames {

    private WebSocketFrames() {
    }

    /**
     * Adds the frame handlers before {@code beforeHandlerName} (the session handler), on a pipeline
     * whose HTTP/1 codecs are gone or about to go (bytes they still hold must reach the decoder
     * after it is added).
     */
    public static void install(ChannelPipeline pipeline, String beforeHandlerName, FrameSettings settings) {
        InputGate gate = new InputGate();
        DeflateParameters deflate = settings.deflate();
        pipeline.addBefore(beforeHandlerName, "ws-frame-decoder",
                new FrameDecoder(deflate != null, settings.maxPieceSize(), gate));
        pipeline.addBefore(beforeHandlerName, "ws-frame-encoder", new FrameEncoder());
        pipeline.addBefore(beforeHandlerName, "ws-control-frames", new ControlFrameHandler());
        pipeline.addBefore(beforeHandlerName, "ws-message-assembler",
                new MessageAssembler(settings.maxMessageSize()));
        if (deflate != null) {
            pipeline.addBefore(beforeHandlerName, "ws-inflate", new InflateHandler(
                    settings.maxMessageSize(), settings.maxPieceSize(), deflate.clientNoContextTakeover()));
            pipeline.addBefore(beforeHandlerName, "ws-deflate", new DeflateHandler(deflate.serverNoContextTakeover(),
                    deflate.storedBlocksOnly()));
        }
        pipeline.addBefore(beforeHandlerName, "ws-text-validator", new TextMessageValidator());
        pipeline.addBefore(beforeHandlerName, "ws-protocol-failure", new ProtocolFailureHandler(gate));
    }
}
