package org.wsging.worker;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.wsging.exchange.ExchangeListener;
import org.wsging.exchange.FileBody;
import org.wsging.exchange.Header;
import org.wsging.exchange.RequestHead;
import org.wsging.exchange.ResetCode;
import org.wsging.exchange.StreamFailure;
import org.wsging.exchange.WebSocketAccept;
import org.wsging.exchange.WorkerStream;

/**
 * One request stream, from the moment a front end opens it. Before a worker takes it the stream is
 * queued and the front end's calls are recorded; once bound, every call is forwarded to the
 * {@link WorkerLink}'s event loop, which alone touches the per-stream fields below the line.
 *
 * <p>Owner states (one atomic reference, no locks): {@link Queued} -> {@link WorkerLink} (bound) or
 * -> {@link #CLOSED} (the front end reset it, or it failed before a worker took it).
 */
final class LinkStream implements WorkerStream {
    private static final System.Logger LOG = System.getLogger(LinkStream.class.getName());
    static final Object CLOSED = new Object();

    /** Calls recorded while queued; immutable, replaced on each append (a rare path). */
    record Queued(Object[] ops) {
        static final Queued EMPTY = new Queued(new Object[0]);

        Queued plus(Object op) {
            Object[] next = java.util.Arrays.copyOf(ops, ops.length + 1);
            next[ops.length] = op;
            return new Queued(next);
        }
    }

    record PendingData(ByteBuf data, boolean endStream) {}

    record PendingTrailers(List<Header> trailers) {}

    record PendingPriority(String fieldValue) {}

    final RequestHead head;
    final EventExecutor executor;
    final ExchangeListener listener;
    final AtomicReference<Object> owner = new AtomicReference<>(Queued.EMPTY);
    /** Set while the stream waits in the pool's queue; touched by the pool only. */
    volatile ScheduledFuture<?> queueTimer;

    // ---- confined to the bound link's event loop ----
    int id;
    /** Request-body bytes the worker still accepts (spec A.5). */
    long requestWindow;
    /** Response-body bytes this side still accepts. */
    long responseWindow;
    /** Response-body bytes written to the client and not yet granted back to the worker. */
    long ungranted;
    boolean requestEnded;
    /** RESPONSE seen: DATA and TRAILERS may follow, INFORMATIONAL may not. */
    boolean responseStarted;
    /** Complete (spec A.4): nothing more is sent or delivered. */
    boolean done;
    /** The REQUEST went out with the PUSH bit: this stream's PUSH frames are for the front end to decide. */
    boolean pushOffered;
    /** WS_ACCEPT seen: the stream is a WebSocket session, complete only at the front end's WS_CLOSE or a RESET. */
    boolean wsAccepted;
    /** WS_OPEN sent: messages may flow both ways. */
    boolean wsOpen;
    /** The stream's slot (MAX_STREAMS) was given back when its session opened. */
    boolean slotFreed;
    /** The worker sent WS_CLOSE: it sends nothing more on the stream. */
    boolean wsWorkerClosed;

    LinkStream(RequestHead head, EventExecutor executor, ExchangeListener listener) {
        this.head = head;
        this.executor = executor;
        this.listener = listener;
    }

    @Override
    public void sendData(ByteBuf data, boolean endStream) {
        for (;;) {
            Object o = owner.get();
            if (o instanceof WorkerLink link) {
                link.sendData(this, data, endStream);
                return;
            }
            if (o == CLOSED) {
                data.release();
                return;
            }
            if (owner.compareAndSet(o, ((Queued) o).plus(new PendingData(data, endStream)))) {
                return;
            }
        }
    }

    @Override
    public void sendTrailers(List<Header> trailers) {
        for (;;) {
            Object o = owner.get();
            if (o instanceof WorkerLink link) {
                link.sendTrailers(this, trailers);
                return;
            }
            if (o == CLOSED || owner.compareAndSet(o, ((Queued) o).plus(new PendingTrailers(trailers)))) {
                return;
            }
        }
    }

    @Override
    public void grantResponseWindow(int increment) {
        if (owner.get() instanceof WorkerLink link) {
            link.grantResponseWindow(this, increment);
        }
        // Not bound yet: no response data can have arrived, so there is nothing to acknowledge.
    }

    @Override
    public void reset(ResetCode code) {
        for (;;) {
            Object o = owner.get();
            if (o instanceof WorkerLink link) {
                link.reset(this, code);
                return;
            }
            if (o == CLOSED) {
                return;
            }
            if (owner.compareAndSet(o, CLOSED)) {
                releasePending((Queued) o);
                cancelQueueTimer();
                return;
            }
        }
    }

    @Override
    public void sendPriority(String fieldValue) {
        for (;;) {
            Object o = owner.get();
            if (o instanceof WorkerLink link) {
                link.sendPriority(this, fieldValue);
                return;
            }
            if (o == CLOSED || owner.compareAndSet(o, ((Queued) o).plus(new PendingPriority(fieldValue)))) {
                return;
            }
        }
    }

    @Override
    public void openWebSocket(String extensions) {
        if (owner.get() instanceof WorkerLink link) {
            link.openWebSocket(this, extensions);
        }
        // Not bound: no worker accepted anything, there is no session to open.
    }

    @Override
    public void sendWebSocketMessage(ByteBuf data, boolean text, boolean continues) {
        if (owner.get() instanceof WorkerLink link) {
            link.sendWebSocketMessage(this, data, text, continues);
        } else {
            data.release();
        }
    }

    @Override
    public void sendWebSocketPong(byte[] payload) {
        if (owner.get() instanceof WorkerLink link) {
            link.sendWebSocketPong(this, payload);
        }
    }

    @Override
    public void closeWebSocket(int code, String reason) {
        if (owner.get() instanceof WorkerLink link) {
            link.closeWebSocket(this, code, reason);
        }
    }

    /** Asks the front end whether to push; its answer goes back to the worker through {@code link}. */
    void deliverPush(WorkerLink link, long token, String path, List<Header> headers) {
        Runnable ask = () -> {
            boolean accepted = false;
            try {
                accepted = listener.onPush(path, headers);
            } catch (Throwable t) {
                listenerFailed(t);
            }
            link.answerPush(token, accepted);
        };
        if (executor.inEventLoop()) {
            ask.run();
            return;
        }
        try {
            executor.execute(ask);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            link.answerPush(token, false); // the client's connection is gone
        }
    }

    /** Ends a stream no worker took: the one terminal event, on the front end's executor. */
    boolean failUnbound(StreamFailure failure) {
        for (;;) {
            Object o = owner.get();
            if (!(o instanceof Queued q)) {
                return false;
            }
            if (owner.compareAndSet(o, CLOSED)) {
                releasePending(q);
                cancelQueueTimer();
                deliverFailure(failure);
                return true;
            }
        }
    }

    // ---- delivery to the front end: direct when its executor is this thread, else one task ----
    // A listener that throws must not break the link: its exception is logged and dropped.

    void deliverRequestWindow(int increment) {
        if (executor.inEventLoop()) {
            try {
                listener.onRequestWindow(increment);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onRequestWindow(increment), null);
        }
    }

    void deliverInformational(int status, List<Header> headers) {
        if (executor.inEventLoop()) {
            try {
                listener.onInformational(status, headers);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onInformational(status, headers), null);
        }
    }

    void deliverResponse(int status, List<Header> headers, boolean endStream) {
        if (executor.inEventLoop()) {
            try {
                listener.onResponse(status, headers, endStream);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onResponse(status, headers, endStream), null);
        }
    }

    void deliverFileResponse(int status, List<Header> headers, FileBody file) {
        if (executor.inEventLoop()) {
            try {
                listener.onFileResponse(status, headers, file);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onFileResponse(status, headers, file), null);
        }
    }

    void deliverData(ByteBuf data, boolean endStream) {
        if (executor.inEventLoop()) {
            try {
                listener.onData(data, endStream);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onData(data, endStream), data);
        }
    }

    void deliverTrailers(List<Header> trailers) {
        if (executor.inEventLoop()) {
            try {
                listener.onTrailers(trailers);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onTrailers(trailers), null);
        }
    }

    void deliverReset(ResetCode code) {
        if (executor.inEventLoop()) {
            try {
                listener.onReset(code);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onReset(code), null);
        }
    }

    void deliverFailure(StreamFailure failure) {
        if (executor.inEventLoop()) {
            try {
                listener.onFailure(failure);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onFailure(failure), null);
        }
    }

    void deliverInvalidResponse(String why) {
        if (executor.inEventLoop()) {
            try {
                listener.onInvalidResponse(why);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onInvalidResponse(why), null);
        }
    }

    void deliverWebSocketAccept(WebSocketAccept accept) {
        if (executor.inEventLoop()) {
            try {
                listener.onWebSocketAccept(accept);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onWebSocketAccept(accept), null);
        }
    }

    void deliverWebSocketMessage(ByteBuf data, boolean text, boolean continues, boolean uncompressed) {
        if (executor.inEventLoop()) {
            try {
                listener.onWebSocketMessage(data, text, continues, uncompressed);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onWebSocketMessage(data, text, continues, uncompressed), data);
        }
    }

    void deliverWebSocketPing(byte[] payload) {
        if (executor.inEventLoop()) {
            try {
                listener.onWebSocketPing(payload);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onWebSocketPing(payload), null);
        }
    }

    void deliverWebSocketClose(int code, String reason) {
        if (executor.inEventLoop()) {
            try {
                listener.onWebSocketClose(code, reason);
            } catch (Throwable t) {
                listenerFailed(t);
            }
        } else {
            submit(() -> listener.onWebSocketClose(code, reason), null);
        }
    }

    private void submit(Runnable call, ByteBuf owned) {
        try {
            executor.execute(() -> guard(call));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // The front end's event loop is gone (its channel closed at shutdown): nobody to tell.
            if (owned != null) {
                owned.release();
            }
        }
    }

    private static void guard(Runnable call) {
        try {
            call.run();
        } catch (Throwable t) {
            listenerFailed(t);
        }
    }

    private static void listenerFailed(Throwable t) {
        LOG.log(System.Logger.Level.ERROR, "exchange listener failed", t);
    }

    void cancelQueueTimer() {
        ScheduledFuture<?> t = queueTimer;
        if (t != null) {
            t.cancel(false);
        }
    }

    static void releasePending(Queued q) {
        for (Object op : q.ops()) {
            if (op instanceof PendingData d) {
                ReferenceCountUtil.release(d.data());
            }
        }
    }
}
