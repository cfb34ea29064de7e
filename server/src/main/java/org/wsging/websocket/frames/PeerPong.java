package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/** Inbound: a pong from the client; the receiver owns {@code payload}. */
public record PeerPong(ByteBuf payload) {}
