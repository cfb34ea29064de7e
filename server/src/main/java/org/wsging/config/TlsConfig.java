package org.wsging.config;

import java.nio.file.Path;

/**
 * TLS on every listening address ({@code --certfile} and friends). The files are read and checked
 * when the server starts ({@code org.wsging.tls.ServerTls}), not here.
 *
 * @param certFile    PEM: the server certificate, optionally followed by its chain
 * @param keyFile     PEM: its private key (PKCS#8, encrypted or not)
 * @param keyPassword the key's password, or null for an unencrypted key
 * @param caCerts     PEM: the authorities client certificates must chain to, or null
 * @param clientCerts whether clients are asked for a certificate
 */
public record TlsConfig(Path certFile, Path keyFile, String keyPassword, Path caCerts, ClientCerts clientCerts) {

    /** {@code --cert-reqs}: none, optional (asked for, checked when given) or required. */
    public enum ClientCerts {
        NONE, OPTIONAL, REQUIRED;

        /** The option's value, or null when it names none of them. */
        public static ClientCerts parse(String value) {
            return switch (value) {
                case "none" -> NONE;
                case "optional" -> OPTIONAL;
                case "required" -> REQUIRED;
                default -> null;
            };
        }
    }

    public TlsConfig {
        if (certFile == null || keyFile == null || clientCerts == null) {
            throw new IllegalArgumentException("TLS needs a certificate file, a key file and a client-certificate mode");
        }
        if (clientCerts != ClientCerts.NONE && caCerts == null) {
            throw new IllegalArgumentException("client certificates need the authorities that sign them");
        }
    }
}
