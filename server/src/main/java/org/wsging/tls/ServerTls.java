package org.wsging.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.wsging.config.TlsConfig;

/**
 * The server's TLS context, built once at start from checked files: TLS 1.2 and 1.3 only, ALPN
 * offering {@code h2} (when an HTTP/2 branch exists) and {@code http/1.1}, on OpenSSL (BoringSSL
 * from netty-tcnative) when its native library loads and on the JDK's engine otherwise.
 */
public final class ServerTls {
    /** A client that has not finished its handshake by then is disconnected. */
    public static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private final SslContext context;
    private final String engine;
    private final boolean offersH2;

    private ServerTls(SslContext context, String engine, boolean offersH2) {
        this.context = context;
        this.engine = engine;
        this.offersH2 = offersH2;
    }

    /**
     * Reads and checks the files, then builds the context.
     *
     * @param offerH2 offer {@code h2} in ALPN (only when the pipeline has an HTTP/2 branch)
     * @throws TlsSetupException a file is unreadable, a certificate is not valid now, the key does
     *                           not match the certificate or cannot be decrypted
     */
    public static ServerTls create(TlsConfig config, boolean offerH2) throws TlsSetupException {
        X509Certificate[] chain = PemFiles.certificates(config.certFile(), "--certfile");
        PrivateKey key = PemFiles.privateKey(config.keyFile(), config.keyPassword(), "--keyfile");
        checkValidNow(chain[0], "--certfile " + config.certFile());
        if (!PemFiles.matches(key, chain[0])) {
            throw new TlsSetupException("--keyfile " + config.keyFile() + " is not the private key of the certificate in --certfile "
                    + config.certFile());
        }
        X509Certificate[] authorities = config.caCerts() == null ? null
                : PemFiles.certificates(config.caCerts(), "--ca-certs");

        boolean openSsl = OpenSsl.isAvailable();
        String engine = openSsl
                ? "OpenSSL engine (" + OpenSsl.versionString() + ")"
                : "JDK engine (OpenSSL unavailable: " + PemFiles.reason(OpenSsl.unavailabilityCause()) + ")";
        List<String> alpn = new ArrayList<>(2);
        if (offerH2) {
            alpn.add(ApplicationProtocolNames.HTTP_2);
        }
        alpn.add(ApplicationProtocolNames.HTTP_1_1);
        SslContextBuilder builder = SslContextBuilder.forServer(key, chain)
                .sslProvider(openSsl ? SslProvider.OPENSSL : SslProvider.JDK)
                .protocols(PROTOCOLS)
                // A client that offers only protocols this server lacks still gets HTTP/1.1.
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        alpn))
                .clientAuth(switch (config.clientCerts()) {
                    case NONE -> ClientAuth.NONE;
                    case OPTIONAL -> ClientAuth.OPTIONAL;
                    case REQUIRED -> ClientAuth.REQUIRE;
                });
        if (authorities != null) {
            builder.trustManager(authorities);
        }
        try {
            return new ServerTls(builder.build(), engine, offerH2);
        } catch (Exception e) {
            throw new TlsSetupException("TLS cannot be set up from --certfile " + config.certFile() + " and --keyfile "
                    + config.keyFile() + ": " + PemFiles.reason(e));
        }
    }

    private static void checkValidNow(X509Certificate cert, String where) throws TlsSetupException {
        try {
            cert.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new TlsSetupException(where + ": the certificate expired on " + cert.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new TlsSetupException(where + ": the certificate is not valid before " + cert.getNotBefore().toInstant());
        }
    }

    /** Which engine serves TLS, and why the JDK's when OpenSSL could not load; for the start-up line. */
    public String engine() {
        return engine;
    }

    public boolean offersH2() {
        return offersH2;
    }

    /** The handler that starts a connection: a server-side engine with the handshake bounded in time. */
    public SslHandler newHandler(ByteBufAllocator alloc) {
        SslHandler handler = context.newHandler(alloc);
        handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
        return handler;
    }
}
