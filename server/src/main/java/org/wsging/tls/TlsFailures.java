package org.wsging.tls;

import io.netty.channel.Channel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLException;

/** One short line for a connection whose TLS failed: no stack trace, no hex dump of what came in. */
final class TlsFailures {
    private static final int MAX_REASON = 120;

    private TlsFailures() {}

    static void log(Channel channel, String what, Throwable cause) {
        System.err.println("wsging: TLS " + what + " with " + peer(channel) + " failed: " + reason(cause));
    }

    private static String peer(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress a
                ? NetUtil.toSocketAddressString(a.getHostString(), a.getPort())
                : String.valueOf(channel.remoteAddress());
    }

    static boolean isTls(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    static String reason(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof NotSslRecordException) {
                return "not a TLS record (plain HTTP to the TLS port?)";
            }
            if (t instanceof SslHandshakeTimeoutException) {
                return "no handshake within " + ServerTls.HANDSHAKE_TIMEOUT_MILLIS / 1000 + " s";
            }
        }
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (message == null || message.isBlank()) {
            return root.getClass().getSimpleName();
        }
        message = message.lines().findFirst().orElse(message);
        return message.length() > MAX_REASON ? message.substring(0, MAX_REASON) + "..." : message;
    }
}
