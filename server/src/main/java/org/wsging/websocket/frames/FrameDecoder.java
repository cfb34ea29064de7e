package org.wsging.websocket.frames;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Reads the client's frames (RFC 6455 §5.2) from the bytes of the connection, incrementally: a
 * frame may arrive one byte at a time, and its payload is handed on as it arrives, in
 * {@link FrameChunk}s of at most the piece size, never waiting for the whole frame. Control frames
 * (at most 125 bytes) are handed on whole as {@link ControlFrame}s.
 *
 * <p>It enforces what a single frame header can break, each as soon as the byte that breaks it
 * arrives (1002): client frames are masked (§5.1); reserved opcodes are not used; RSV2 and RSV3 are
 * never set, RSV1 only on a TEXT or BINARY frame of a connection that negotiated permessage-deflate
 * (RFC 7692 §6); control frames are not fragmented and carry at most 125 bytes (§5.5); lengths use
 * the fewest bytes and a 64-bit length has its high bit clear (§5.2). No length is ever allocated:
 * payload is copied only as it arrives. Sequencing across frames and message sizes are the
 * {@link MessageAssembler}'s.
 */
final class FrameDecoder extends ChannelInboundHandlerAdapter {

    private static final int MAX_HEADER_LENGTH = 14;
    private static final int MAX_CONTROL_PAYLOAD = 125;

    private final boolean rsv1Allowed;
    private final int maxChunkSize;
    private final InputGate gate;

    private final byte[] header = new byte[MAX_HEADER_LENGTH];
    private int headerLength;
    private boolean inPayload;

    // the frame being read
    private int opcode;
    private boolean fin;
    private boolean rsv1;
    private long frameLength;
    private int mask;
    private long payloadRead;
    private boolean startHandedOn;
    private ByteBuf controlPayload;

    private boolean handedOnThisRead;

    /**
     * @param rsv1Allowed  permessage-deflate was negotiated
     * @param maxChunkSize the largest chunk of payload handed on
     */
    FrameDecoder(boolean rsv1Allowed, int maxChunkSize, InputGate gate) {
        this.rsv1Allowed = rsv1Allowed;
        this.maxChunkSize = maxChunkSize;
        this.gate = gate;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            decode(ctx, in);
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // A read that completed no frame yields nothing downstream that would ask for more;
        // without auto-read, ask for the rest of the frame here.
        if (!handedOnThisRead && !ctx.channel().config().isAutoRead() && gate.isOpen()) {
            ctx.read();
        }
        handedOnThisRead = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseControlPayload();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseControlPayload();
    }

    private void decode(ChannelHandlerContext ctx, ByteBuf in) {
        while (gate.isOpen()) {
            if (!inPayload) {
                if (!readHeader(in)) {
                    return;
                }
                beginPayload(ctx);
            }
            if (Opcodes.isControl(opcode)) {
                if (!readControlPayload(ctx, in)) {
                    return;
                }
            } else if (!readDataPayload(ctx, in)) {
                return;
            }
        }
        // the client closed or failed: what follows means nothing
        releaseControlPayload();
        in.skipBytes(in.readableBytes());
    }

    /** Collects header bytes, checking each rule as soon as its byte is in; true when complete. */
    private boolean readHeader(ByteBuf in) {
        while (headerLength < 2) {
            if (!in.isReadable()) {
                return false;
            }
            header[headerLength++] = in.readByte();
            if (headerLength == 1) {
                checkFirstByte(header[0]);
            } else {
                checkSecondByte(header[1]);
            }
        }
        int lengthBytes = switch (header[1] & 0x7F) {
            case 126 -> 2;
            case 127 -> 8;
            default -> 0;
        };
        int total = 2 + lengthBytes + 4;
        while (headerLength < total) {
            if (!in.isReadable()) {
                return false;
            }
            header[headerLength++] = in.readByte();
            if (headerLength == 2 + lengthBytes) {
                frameLength = readLength(lengthBytes);
            }
        }
        if (lengthBytes == 0) {
            frameLength = header[1] & 0x7F;
        }
        mask = ((header[total - 4] & 0xFF) << 24) | ((header[total - 3] & 0xFF) << 16)
                | ((header[total - 2] & 0xFF) << 8) | (header[total - 1] & 0xFF);
        return true;
    }

    private void checkFirstByte(byte b) {
        fin = (b & 0x80) != 0;
        rsv1 = (b & 0x40) != 0;
        opcode = b & 0x0F;
        if (!Opcodes.isDefined(opcode)) {
            throw ProtocolViolation.protocolError("reserved opcode 0x" + Integer.toHexString(opcode));
        }
        if ((b & 0x30) != 0) {
            throw ProtocolViolation.protocolError("RSV2 or RSV3 set without an extension defining it");
        }
        if (rsv1 && (!rsv1Allowed || Opcodes.isControl(opcode) || opcode == Opcodes.CONTINUATION)) {
            throw ProtocolViolation.protocolError(rsv1Allowed
                    ? "RSV1 set on a frame other than the first of a data message"
                    : "RSV1 set without a negotiated extension");
        }
        if (Opcodes.isControl(opcode) && !fin) {
            throw ProtocolViolation.protocolError("fragmented control frame");
        }
    }

    private void checkSecondByte(byte b) {
        if ((b & 0x80) == 0) {
            throw ProtocolViolation.protocolError("client frame not masked");
        }
        if (Opcodes.isControl(opcode) && (b & 0x7F) > MAX_CONTROL_PAYLOAD) {
            throw ProtocolViolation.protocolError("control frame payload longer than 125 bytes");
        }
    }

    private long readLength(int lengthBytes) {
        long length = 0;
        for (int i = 0; i < lengthBytes; i++) {
            length = (length << 8) | (header[2 + i] & 0xFF);
        }
        if (lengthBytes == 2 && length < 126) {
            throw ProtocolViolation.protocolError("frame length " + length + " not in its shortest form");
        }
        if (lengthBytes == 8) {
            if (length < 0) {
                throw ProtocolViolation.protocolError("64-bit frame length with the high bit set");
            }
            if (length <= 0xFFFF) {
                throw ProtocolViolation.protocolError("frame length " + length + " not in its shortest form");
            }
        }
        return length;
    }

    private void beginPayload(ChannelHandlerContext ctx) {
        headerLength = 0;
        inPayload = true;
        payloadRead = 0;
        startHandedOn = false;
        if (Opcodes.isControl(opcode)) {
            controlPayload = ctx.alloc().buffer((int) frameLength);
        }
    }

    /** Hands on what has arrived of a data frame's payload; true when the frame is complete. */
    private boolean readDataPayload(ChannelHandlerContext ctx, ByteBuf in) {
        while (true) {
            long remaining = frameLength - payloadRead;
            int n = (int) Math.min(Math.min(remaining, in.readableBytes()), maxChunkSize);
            if (n == 0 && startHandedOn && remaining > 0) {
                return false;
            }
            ByteBuf data = n == 0 ? Unpooled.EMPTY_BUFFER : unmask(ctx, in, n);
            boolean end = n == remaining;
            boolean start = !startHandedOn;
            startHandedOn = true;
            if (end) {
                inPayload = false;
            }
            handedOnThisRead = true;
            ctx.fireChannelRead(new FrameChunk(opcode, fin, rsv1, frameLength, start, data, end));
            if (end) {
                return true;
            }
            if (!gate.isOpen()) {
                return false;
            }
        }
    }

    /** Collects a control frame's payload; hands the frame on and returns true when complete. */
    private boolean readControlPayload(ChannelHandlerContext ctx, ByteBuf in) {
        int n = (int) Math.min(frameLength - payloadRead, in.readableBytes());
        unmaskInto(in, n, controlPayload);
        if (payloadRead < frameLength) {
            return false;
        }
        inPayload = false;
        ByteBuf payload = controlPayload;
        controlPayload = null;
        if (opcode == Opcodes.CLOSE) {
            gate.close();
        }
        handedOnThisRead = true;
        ctx.fireChannelRead(new ControlFrame(opcode, payload));
        return true;
    }

    private ByteBuf unmask(ChannelHandlerContext ctx, ByteBuf in, int n) {
        ByteBuf out = ctx.alloc().buffer(n);
        unmaskInto(in, n, out);
        return out;
    }

    /** Copies {@code n} bytes of payload from {@code in} to {@code out}, unmasked (§5.3). */
    private void unmaskInto(ByteBuf in, int n, ByteBuf out) {
        // the key byte for payload byte i is mask byte i % 4: rotate the key to where we are
        int key = Integer.rotateLeft(mask, (int) (payloadRead & 3) * 8);
        long key64 = ((key & 0xFFFFFFFFL) << 32) | (key & 0xFFFFFFFFL);
        int i = in.readerIndex();
        int end = i + n;
        for (; i + 8 <= end; i += 8) {
            out.writeLong(in.getLong(i) ^ key64);
        }
        for (int j = 0; i < end; i++, j++) {
            out.writeByte(in.getByte(i) ^ (key >>> (24 - 8 * (j & 3))));
        }
        in.skipBytes(n);
        payloadRead += n;
    }

    private void releaseControlPayload() {
        if (controlPayload != null) {
            controlPayload.release();
            controlPayload = null;
        }
    }
}
