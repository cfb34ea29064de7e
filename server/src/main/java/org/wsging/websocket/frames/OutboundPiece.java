package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/**
 * Outbound: one piece of an outgoing message. The first piece of a message decides text or
 * binary and whether it is compressed ({@code compress} false: uncompressed even when deflate is
 * on). The write's promise completes when the bytes are written to the socket.
 */
public record OutboundPiece(boolean text, ByteBuf data, boolean last, boolean compress) {}
