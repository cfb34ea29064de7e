package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;

/** Outbound: a ping with {@code payload}, at most 125 bytes. */
public record OutboundPing(ByteBuf payload) {}
