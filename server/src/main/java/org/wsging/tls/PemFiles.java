package org.wsging.tls;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * Reads PEM certificates and keys with Netty's own reader (the one its contexts use), so what is
 * checked here is what will be served. Never instantiated: extending SslContext only grants
 * access to its protected readers.
 */
abstract class PemFiles extends SslContext {
    private PemFiles() {}

    /** The certificates in {@code file}, in order; at least one. */
    static X509Certificate[] certificates(Path file, String option) throws TlsSetupException {
        readable(file, option);
        X509Certificate[] certs;
        try {
            certs = toX509Certificates(file.toFile());
        } catch (Exception e) {
            throw new TlsSetupException(option + " " + file + " holds no readable PEM certificate (" + reason(e) + ")");
        }
        if (certs == null || certs.length == 0) {
            throw new TlsSetupException(option + " " + file + " holds no PEM certificate");
        }
        return certs;
    }

    /** The private key in {@code file}, decrypted with {@code password} when it is encrypted. */
    static PrivateKey privateKey(Path file, String password, String option) throws TlsSetupException {
        String text = readable(file, option);
        boolean encrypted = text.contains("ENCRYPTED");
        if (text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")) {
            throw new TlsSetupException(option + " " + file + " is not in PKCS#8 form; convert it with"
                    + " 'openssl pkcs8 -topk8 -in OLD -out NEW' (add -nocrypt to leave it unencrypted)");
        }
        if (encrypted && password == null) {
            throw new TlsSetupException(option + " " + file + " is encrypted: give its password with --keyfile-password");
        }
        try {
            PrivateKey key = toPrivateKey(file.toFile(), encrypted ? password : null);
            if (key == null) {
                throw new TlsSetupException(option + " " + file + " holds no PEM private key");
            }
            return key;
        } catch (TlsSetupException e) {
            throw e;
        } catch (Exception e) {
            if (encrypted) {
                throw new TlsSetupException(option + " " + file + " cannot be decrypted: wrong --keyfile-password?");
            }
            throw new TlsSetupException(option + " " + file + " holds no readable PEM private key (" + reason(e) + ")");
        }
    }

    private static String readable(Path file, String option) throws TlsSetupException {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new TlsSetupException(option + " " + file + " cannot be read: " + reason(e));
        }
    }

    static String reason(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        if (root instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (root instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return message == null || message.isBlank() ? root.getClass().getSimpleName()
                : message.lines().findFirst().orElse(message);
    }

    /** Does {@code key} sign what {@code cert}'s public key verifies? */
    static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // a kind this check cannot sign with; the handshake is the judge
        }
        try {
            byte[] probe = "wsging key check".getBytes(StandardCharsets.US_ASCII);
            java.security.Signature signer = java.security.Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
