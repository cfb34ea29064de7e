package org.wsging.websocket.frames;

/**
 * What the frame layer of one session enforces and negotiated.
 *
 * @param maxMessageSize the largest incoming message in bytes, after decompression; a larger one
 *                       is closed with 1009 (spec 9.3, 14.5)
 * @param maxPieceSize   the largest {@link MessagePiece} handed up
 * @param deflate        the accepted permessage-deflate parameters, or null for no compression
 */
public record FrameSettings(long maxMessageSize, int maxPieceSize, DeflateParameters deflate) {

    public FrameSettings {
        if (maxMessageSize < 1) {
            throw new IllegalArgumentException("maxMessageSize must be at least 1: " + maxMessageSize);
        }
        if (maxPieceSize < 1) {
            throw new IllegalArgumentException("maxPieceSize must be at least 1: " + maxPieceSize);
        }
    }
}
