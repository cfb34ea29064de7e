package org.wsging.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import org.wsging.connection.Deadline;
import org.wsging.exchange.GracefulShutdown;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WorkerStream;
import org.wsging.websocket.frames.MessagePiece;
import org.wsging.websocket.frames.OutboundClose;
import org.wsging.websocket.frames.OutboundPiece;
import org.wsging.websocket.frames.OutboundPing;
import org.wsging.websocket.frames.PeerClose;
import org.wsging.websocket.frames.PeerPong;
import org.wsging.websocket.frames.ProtocolFailure;
import org.wsging.websocket.frames.Utf8Validator;

/**
 * One WebSocket session: the bridge between the client's messages (the frame layer's events,
 * {@link MessagePiece} and the others) and the worker stream the session runs on (spec 9, A.2
 * *WebSocket*). The last handler of the pipeline; it knows nothing of HTTP/1.1, so an HTTP/2
 * stream channel can carry it as well. Everything runs on the channel's event loop: the frame
 * layer's events come up the pipeline, the worker's through the methods {@code on...} that the
 * stream's listener forwards.
 *
 * <p>States, every move listed in {@link State}: OPENING while the handshake response is being
 * written; OPEN; CLOSING once this side sent its close frame first (the application's, or 1011)
 * and waits a bounded time for the client's; CLOSED once the client's close is answered or the
 * connection is gone. Apart from that, the worker stream is <em>reported</em> (complete) once it
 * got WS_CLOSE with the outcome, or was reset, or failed.
 *
 * <p>Flow control (spec 9.4 MUST-WS-10, A.5): client messages go to the worker only within the
 * credit it granted; without credit the channel stops reading, so a fast client meets
 * backpressure, and what waits here is at most what one read produced. The application's
 * messages are written as they come; their bytes go back to the worker as credit once written
 * to the socket, so a slow client makes the application's {@code send} wait.
 */
public final class WebSocketSession extends ChannelDuplexHandler {
    private static final System.Logger LOG = System.getLogger(WebSocketSession.class.getName());

    enum State {
        OPENING, OPEN, CLOSING, CLOSED;

        boolean mayMoveTo(State next) {
            return switch (this) {
                case OPENING -> next == OPEN || next == CLOSING || next == CLOSED;
                case OPEN -> next == CLOSING || next == CLOSED;
                case CLOSING -> next == CLOSED;
                case CLOSED -> false;
            };
        }
    }

    /** The outcome to report once the client's messages before it went to the worker. */
    private record Outcome(int code, String reason) {}

    private final WorkerStream stream;
    private final String extensions;
    private final boolean deflate;
    private final long closeTimeoutNanos;
    private final Deadline closeClock = new Deadline(this::closeClockRang);
    private ChannelHandlerContext ctx;
    private State state = State.OPENING;
    /** WS_OPEN went to the worker: messages may go to it. */
    private boolean opened;
    /** The worker stream is complete: WS_CLOSE sent, or it was reset or failed. */
    private boolean reported;
    /** The application closed (its WS_CLOSE came): it takes no more messages. */
    private boolean applicationClosed;

    // client -> worker
    private long credit;
    private final ArrayDeque<MessagePiece> pending = new ArrayDeque<>(4);
    private Outcome outcomeAfterPending;

    // worker -> client
    private boolean outgoingOpen;
    private boolean outgoingText;
    private boolean outgoingCompressed;
    private final Utf8Validator outgoingUtf8 = new Utf8Validator();
    private boolean flushScheduled;
    private final Runnable flushTask = () -> {
        flushScheduled = false;
        ctx.flush();
    };

    /**
     * @param stream       the worker stream of the accepted offer
     * @param extensions   the Sec-WebSocket-Extensions value the handshake response carries ("" for none)
     * @param deflate      permessage-deflate was negotiated: messages are compressed unless asked not to be
     * @param closeTimeout how long the client has to answer a close frame this side sent first
     */
    public WebSocketSession(WorkerStream stream, String extensions, boolean deflate, Duration closeTimeout) {
        this.stream = stream;
        this.extensions = extensions;
        this.deflate = deflate;
        this.closeTimeoutNanos = closeTimeout.toNanos();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        closeClock.attach(ctx.executor());
    }

    /**
     * The handshake response is on its way: once written the session opens (WS_OPEN); a client
     * gone before that is reported as 1006 instead (spec A.2).
     */
    public void start(ChannelFuture handshakeWritten) {
        handshakeWritten.addListener(f -> {
            if (!f.isSuccess()) {
                if (!reported) {
                    report(CloseCodes.ABNORMAL, "");
                }
                ctx.close();
                return;
            }
            if (state == State.OPENING && !reported) {
                move(State.OPEN);
                opened = true;
                stream.openWebSocket(extensions);
                pump();
            }
        });
    }

    State state() {
        return state;
    }

    private void move(State next) {
        if (!state.mayMoveTo(next)) {
            throw new IllegalStateException("WebSocket session cannot go from " + state + " to " + next);
        }
        state = next;
    }

    // ---- the client, through the frame layer -------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        switch (msg) {
            case MessagePiece p -> onPiece(p);
            case PeerClose c -> onPeerClose(c);
            case PeerPong p -> onPeerPong(p);
            case ProtocolFailure f -> onProtocolFailure(f);
            default -> ReferenceCountUtil.release(msg); // the frame layer hands on nothing else
        }
    }

    private void onPiece(MessagePiece p) {
        if (reported || applicationClosed || outcomeAfterPending != null
                || (state != State.OPEN && state != State.OPENING)) {
            p.data().release();
            return;
        }
        pending.add(p);
        pump();
    }

    /** RFC 6455 section 5.5.1: the client closes; the answer carries the same code, then TCP
     * closes (section 7.1.1: the server first). The worker learns the client's code. */
    private void onPeerClose(PeerClose c) {
        int code = c.code() == CloseCodes.NO_STATUS ? CloseCodes.NONE : c.code();
        switch (state) {
            case OPENING, OPEN -> {
                move(State.CLOSED);
                ctx.writeAndFlush(new OutboundClose(code == CloseCodes.NONE ? 0 : code, ""))
                        .addListener(f -> ctx.close());
                if (!reported) {
                    reportAfterPending(code, c.reason());
                }
            }
            case CLOSING -> {
                move(State.CLOSED);
                closeClock.cancel();
                if (!reported) {
                    report(code, c.reason()); // the answer to the application's close
                }
                ctx.close();
            }
            case CLOSED -> {
                // a second close frame: nothing more to do
            }
        }
    }

    private void onPeerPong(PeerPong p) {
        try {
            if (opened && !reported && !applicationClosed) {
                stream.sendWebSocketPong(ByteBufUtil.getBytes(p.payload()));
            }
        } finally {
            p.payload().release();
        }
    }

    /** The frame layer closed with 1002, 1007 or 1009 (its close frame is written): that is the outcome. */
    private void onProtocolFailure(ProtocolFailure f) {
        if (state != State.CLOSED) {
            move(State.CLOSED);
        }
        closeClock.cancel();
        releasePending();
        if (!reported) {
            report(f.code(), "");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client's FIN: no close frame comes after it. Once its close was answered the
            // connection is closing anyway; otherwise it dropped the session (1006).
            ctx.close();
            return;
        }
        if (evt == GracefulShutdown.DEADLINE) {
            goingAway();
            return;
        }
        if (evt == IdleSessionTimeout.EXPIRED) {
            serverClose(CloseCodes.GOING_AWAY); // a close handshake: the client's answer is the outcome
            return;
        }
        if (evt == GracefulShutdown.INSTANCE) {
            return; // spec 9.5 and 11.5: sessions run on until the graceful timeout ends
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state != State.CLOSED) {
            move(State.CLOSED);
        }
        if (outcomeAfterPending == null) {
            closeClock.cancel();
            releasePending();
            if (!reported) {
                report(CloseCodes.ABNORMAL, "");
            }
        }
        // else the client's messages before its close still wait for credit, within the close clock
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!(cause instanceof java.io.IOException)) {
            LOG.log(System.Logger.Level.WARNING, "WebSocket connection " + ctx.channel().remoteAddress()
                    + " failed: " + cause);
        }
        ctx.close();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // A closed channel's pipeline is taken down; the client's messages before its close may
        // still wait for credit (the stream's listener keeps this session), within the close clock.
        if (outcomeAfterPending == null || reported) {
            closeClock.cancel();
            releasePending();
        }
    }

    // ---- client messages to the worker, within its credit ------------------------------------------

    private void pump() {
        while (opened && !reported && !pending.isEmpty()) {
            MessagePiece p = pending.peek();
            int n = p.data().readableBytes();
            if (n > 0 && credit == 0) {
                break;
            }
            if (n > credit) {
                stream.sendWebSocketMessage(p.data().readRetainedSlice((int) credit), p.text(), true);
                credit = 0;
                break;
            }
            credit -= n;
            pending.poll();
            stream.sendWebSocketMessage(p.data(), p.text(), !p.last());
        }
        if (outcomeAfterPending != null && pending.isEmpty() && !reported) {
            Outcome o = outcomeAfterPending;
            report(o.code(), o.reason());
        }
        updateAutoRead();
    }

    /** Reads while the worker has credit for what comes, or while a close frame is awaited. */
    private void updateAutoRead() {
        boolean want = state == State.CLOSING || state == State.CLOSED || (pending.isEmpty() && credit > 0);
        if (ctx.channel().config().isAutoRead() != want) {
            ctx.channel().config().setAutoRead(want);
        }
    }

    /** The outcome goes to the worker after the client's messages before it, for at most the close timeout. */
    private void reportAfterPending(int code, String reason) {
        if (!opened) {
            releasePending();
        }
        outcomeAfterPending = new Outcome(code, reason);
        if (!pending.isEmpty()) {
            closeClock.start(closeTimeoutNanos);
        }
        pump();
    }

    private void report(int code, String reason) {
        reported = true;
        outcomeAfterPending = null;
        releasePending();
        stream.closeWebSocket(code, reason);
    }

    private void releasePending() {
        MessagePiece p;
        while ((p = pending.poll()) != null) {
            p.data().release();
        }
    }

    // ---- the worker's side, forwarded by the stream's listener --------------------------------------

    /** The worker granted {@code increment} more bytes of client messages (A.5). */
    public void onRequestWindow(int increment) {
        credit += increment;
        pump();
    }

    /** A message (or a piece of one) from the application: checked, written, credited once written. */
    public void onWebSocketMessage(ByteBuf data, boolean text, boolean continues, boolean uncompressed) {
        if (reported || state != State.OPEN) {
            data.release(); // the session is closing: nothing more goes to the client
            return;
        }
        if (!outgoingOpen) {
            outgoingText = text;
            outgoingCompressed = deflate && !uncompressed;
            outgoingUtf8.reset();
        } else if (text != outgoingText) {
            data.release();
            streamError("the pieces of one message disagree on TEXT");
            return;
        }
        if (text && (outgoingUtf8.firstInvalid(data) >= 0 || (!continues && !outgoingUtf8.atBoundary()))) {
            data.release();
            streamError("a TEXT message that is not valid UTF-8");
            return;
        }
        outgoingOpen = continues;
        int n = data.readableBytes();
        ctx.write(new OutboundPiece(outgoingText, data, !continues, outgoingCompressed)).addListener(f -> {
            if (f.isSuccess() && n > 0 && !reported) {
                stream.grantResponseWindow(n);
            }
        });
        flushSoon();
    }

    /** The application pings the client. */
    public void onWebSocketPing(byte[] payload) {
        if (!reported && state == State.OPEN) {
            ctx.write(new OutboundPing(Unpooled.wrappedBuffer(payload)));
            flushSoon();
        }
    }

    /**
     * The application closes (spec A.2 *Close*): its close frame follows the messages written
     * before it; the client has the close timeout to answer, whose code the worker then learns.
     */
    public void onWebSocketClose(int code, String reason) {
        if (reported) {
            return;
        }
        String problem = CloseCodes.problem(code, reason);
        if (problem != null) {
            streamError(problem);
            return;
        }
        applicationClosed = true;
        releasePending(); // the application takes no more messages
        if (outcomeAfterPending != null) {
            Outcome o = outcomeAfterPending; // the client closed already: its code is the outcome
            report(o.code(), o.reason());
            return;
        }
        if (state == State.OPEN) {
            move(State.CLOSING);
            ctx.writeAndFlush(new OutboundClose(code == CloseCodes.NONE ? 0 : code, reason));
            closeClock.start(closeTimeoutNanos);
            updateAutoRead();
        }
    }

    /** The worker reset the stream (or the link found it broken): the client gets 1011. */
    public void onReset(ResetCode code) {
        reported = true;
        outcomeAfterPending = null;
        serverClose(CloseCodes.INTERNAL_ERROR);
    }

    /** The worker crashed or its link failed: the client gets 1011. */
    public void onFailure(StreamFailure failure) {
        reported = true;
        outcomeAfterPending = null;
        serverClose(CloseCodes.INTERNAL_ERROR);
    }

    /** The application broke a session rule (spec A.2 stream errors): reset, and 1011 to the client. */
    private void streamError(String why) {
        LOG.log(System.Logger.Level.WARNING, "WebSocket session with " + ctx.channel().remoteAddress()
                + " ended: the application sent " + why);
        reported = true;
        outcomeAfterPending = null;
        stream.reset(ResetCode.PROTOCOL_ERROR);
        serverClose(CloseCodes.INTERNAL_ERROR);
    }

    /** This side closes first with {@code code}, and waits a bounded time for the client's close. */
    private void serverClose(int code) {
        releasePending();
        if (state == State.OPEN || state == State.OPENING) {
            move(State.CLOSING);
            ctx.writeAndFlush(new OutboundClose(code, ""));
            closeClock.start(closeTimeoutNanos);
            updateAutoRead();
        }
    }

    /** Spec 9.5 and 11.5: the graceful timeout ended; the session closes with 1001 at once. */
    private void goingAway() {
        releasePending();
        if (!reported) {
            report(CloseCodes.GOING_AWAY, "");
        }
        if (state == State.OPEN || state == State.OPENING) {
            move(State.CLOSED);
            ctx.writeAndFlush(new OutboundClose(CloseCodes.GOING_AWAY, "server shutting down"))
                    .addListener(f -> ctx.close());
        } else {
            ctx.close();
        }
    }

    /** The close clock: the client did not answer this side's close in time (1006), or its
     * messages before its own close got no credit in time (they are dropped). */
    private void closeClockRang() {
        if (outcomeAfterPending != null) {
            Outcome o = outcomeAfterPending;
            if (!reported) {
                report(o.code(), o.reason());
            }
            return;
        }
        if (state == State.CLOSING) {
            move(State.CLOSED);
            if (!reported) {
                report(CloseCodes.ABNORMAL, "");
            }
            ctx.close();
        }
    }

    private void flushSoon() {
        if (!flushScheduled) {
            flushScheduled = true;
            ctx.executor().execute(flushTask);
        }
    }
}
