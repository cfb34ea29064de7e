package org.wsging.config;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;

/**
 * One listening address from {@code --bind HOST:PORT}. IPv6 hosts are written in brackets
 * ({@code [::1]:8000}, RFC 3986 §3.2.2), exactly as they appear in a URL.
 */
public record BindAddress(String host, int port) {

    public BindAddress {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /** Parses {@code HOST:PORT} or {@code [V6]:PORT}; the message of the exception says what is wrong. */
    public static BindAddress parse(String text) {
        String host;
        String portText;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [IPV6]:PORT, got '" + text + "'");
            }
            host = text.substring(1, close);
            portText = text.substring(close + 2);
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 || text.indexOf(':') != colon) {
                throw new IllegalArgumentException(
                        "expected HOST:PORT (IPv6 as [::1]:8000), got '" + text + "'");
            }
            host = text.substring(0, colon);
            portText = text.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("missing host in '" + text + "'");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid port in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + text + "'");
        }
        return new BindAddress(host, port);
    }

    public InetSocketAddress toSocketAddress() {
        return new InetSocketAddress(host, port);
    }

    /** The address as it is written in a URL authority. */
    public static String authority(InetSocketAddress address) {
        // RFC 5952 text for IPv6 ("::1", not "0:0:0:0:0:0:0:1"), in brackets (RFC 3986 §3.2.2)
        String host = address.getAddress() != null ? NetUtil.toAddressString(address.getAddress())
                : address.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return host + ":" + address.getPort();
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
