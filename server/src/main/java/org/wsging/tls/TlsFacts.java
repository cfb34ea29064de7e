package org.wsging.tls;

import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.Locale;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.security.auth.x500.X500Principal;

/**
 * What a TLS connection tells the application ({@code request.tls}); the same for every request on
 * the connection, so it is read once, after the handshake.
 *
 * @param version    the protocol, such as {@code TLSv1.3}
 * @param cipher     the cipher suite's IANA name, such as {@code TLS_AES_128_GCM_SHA256}
 * @param serverName the host name the client asked for (SNI), or null
 * @param alpn       the protocol ALPN chose, or null when the client offered none
 * @param clientCert the client's certificate, or null when it sent none
 */
public record TlsFacts(String version, String cipher, String serverName, String alpn, ClientCertificate clientCert) {

    /** The facts of a connection whose handshake has completed. */
    public static TlsFacts of(SslHandler ssl) {
        SSLSession session = ssl.engine().getSession();
        String alpn = ssl.applicationProtocol();
        return new TlsFacts(session.getProtocol(), session.getCipherSuite(), serverName(session),
                alpn == null || alpn.isEmpty() ? null : alpn, clientCertificate(session));
    }

    private static String serverName(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            try {
                for (SNIServerName name : extended.getRequestedServerNames()) {
                    if (name instanceof SNIHostName host) {
                        return host.getAsciiName().toLowerCase(Locale.ROOT);
                    }
                }
            } catch (UnsupportedOperationException e) {
                return null;
            }
        }
        return null;
    }

    private static ClientCertificate clientCertificate(SSLSession session) {
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null; // none sent (--cert-reqs none or optional)
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
            return null;
        }
        return new ClientCertificate(
                cert.getSubjectX500Principal().getName(X500Principal.RFC2253),
                cert.getIssuerX500Principal().getName(X500Principal.RFC2253),
                cert.getSerialNumber().toString(16).toUpperCase(Locale.ROOT),
                pem(cert));
    }

    static String pem(X509Certificate cert) {
        byte[] der;
        try {
            der = cert.getEncoded();
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException("a certificate the handshake accepted cannot be encoded", e);
        }
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
    }
}
