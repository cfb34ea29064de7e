package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * Inbound: a piece of one client message, unmasked, reassembled from fragments as needed,
 * decompressed and UTF-8-checked so far (a text message's pieces may split a code point; the
 * whole message is valid when {@code last} arrives), each at most
 * {@link FrameSettings#maxPieceSize()} bytes. The receiver owns {@code data}.
 */
public record MessagePiece(boolean text, ByteBuf data, boolean last) {}
