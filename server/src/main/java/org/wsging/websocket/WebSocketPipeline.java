package org.wsging.websocket;

import io.netty.channel.ChannelPipeline;
import org.wsging.config.WebSocketConfig;
import org.wsging.exchange.WorkerStream;
import org.wsging.websocket.frames.FrameSettings;
import org.wsging.websocket.frames.WebSocketFrames;

/**
 * The handlers of a WebSocket session, added at the end of a pipeline that no longer has HTTP
 * handlers (TLS and the send timeout, ahead of them, stay): the frame layer, the keep-alive
 * pings, the idle timeout, the session. Nothing here is HTTP/1.1's: an HTTP/2 stream channel can take the same.
 */
public final class WebSocketPipeline {
    public static final String SESSION = "ws-session";
    public static final String KEEP_ALIVE = "ws-keepalive";
    public static final String IDLE = "ws-idle";

    private WebSocketPipeline() {}

    /** Installs the session for {@code stream}, whose handshake response is {@code handshake}. */
    public static WebSocketSession install(ChannelPipeline p, WorkerStream stream, HandshakeResponse handshake,
                                           WebSocketConfig config) {
        return install(p, stream, handshake.extensions(), handshake.frames(), config);
    }

    /**
     * Installs the session for {@code stream} whose handshake response carried {@code extensions}
     * ("" for none) and whose frame layer enforces {@code frames}, whatever the transport.
     */
    public static WebSocketSession install(ChannelPipeline p, WorkerStream stream, String extensions,
                                           FrameSettings frames, WebSocketConfig config) {
        WebSocketSession session = new WebSocketSession(stream, extensions, frames.deflate() != null,
                config.closeTimeout());
        p.addLast(SESSION, session);                                      // messages <-> worker stream
        String framesBefore = SESSION;
        if (config.idleTimeout() != null) {                              // a session without messages ends
            p.addBefore(framesBefore, IDLE, new IdleSessionTimeout(config.idleTimeout()));
            framesBefore = IDLE;
        }
        if (config.pingInterval() != null) {                             // an idle client is pinged
            p.addBefore(framesBefore, KEEP_ALIVE, new KeepAlivePings(config.pingInterval(), config.pingTimeout()));
            framesBefore = KEEP_ALIVE;
        }
        WebSocketFrames.install(p, framesBefore, frames);      // bytes <-> messages (RFC 6455)
        return session;
    }
}
