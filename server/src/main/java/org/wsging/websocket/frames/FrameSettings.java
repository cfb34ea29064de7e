package org.wsging.websocket.frames;

/**
 * What the frame handlers of one session enforce.
 *
 * @param maxMessageSize largest incoming message after decompression; beyond it closes with 1009
 * @param maxPieceSize   largest {@link MessagePiece} handed on
 * @param deflate        the negotiated permessage-deflate parameters, or null for none
 */
public record FrameSettings(long maxMessageSize, int maxPieceSize, DeflateParameters deflate) {}
