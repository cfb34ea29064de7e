package org.wsging.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wsging.config.TlsConfig;

/** Building the TLS context from files, and each file it must refuse with a line naming it. */
class ServerTlsTest {
    @TempDir
    static Path dir;
    static TestCertificates.Pair server;
    static TestCertificates.Pair other;

    @BeforeAll
    static void certificates() throws Exception {
        server = TestCertificates.make(dir, "server", null, 30);
        other = TestCertificates.make(dir, "other", null, 30);
    }

    private static TlsConfig config(Path cert, Path key) {
        return new TlsConfig(cert, key, null, null, TlsConfig.ClientCerts.NONE);
    }

    private static String refusal(TlsConfig config) {
        return assertThrows(TlsSetupException.class, () -> ServerTls.create(config, false)).getMessage();
    }

    @Test
    void aMatchingCertificateAndKeyBuildAContextThatNamesItsEngine() throws Exception {
        ServerTls tls = ServerTls.create(config(server.cert(), server.key()), false);
        assertTrue(tls.engine().contains("engine"), tls.engine());
        assertFalse(tls.offersH2());
        assertTrue(ServerTls.create(config(server.cert(), server.key()), true).offersH2());
    }

    @Test
    void theKeyOfAnotherCertificateIsRefused() {
        String message = refusal(config(server.cert(), other.key()));
        assertTrue(message.contains("is not the private key of the certificate"), message);
        assertTrue(message.contains(other.key().toString()), message);
    }

    @Test
    void anExpiredCertificateIsRefused() throws Exception {
        TestCertificates.Pair expired = TestCertificates.make(dir, "expired", "-10d", 2);
        String message = refusal(config(expired.cert(), expired.key()));
        assertTrue(message.contains("the certificate expired on"), message);
    }

    @Test
    void aCertificateNotValidYetIsRefused() throws Exception {
        TestCertificates.Pair future = TestCertificates.make(dir, "future", "+5d", 30);
        String message = refusal(config(future.cert(), future.key()));
        assertTrue(message.contains("the certificate is not valid before"), message);
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.pem");
        assertEquals("--certfile " + missing + " cannot be read: no such file", refusal(config(missing, server.key())));
    }

    @Test
    void aFileWithoutPemIsRefused() throws Exception {
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not PEM at all\n");
        assertTrue(refusal(config(garbage, server.key())).startsWith("--certfile " + garbage + " holds no"));
        assertTrue(refusal(config(server.cert(), garbage)).startsWith("--keyfile " + garbage + " holds no"));
    }

    @Test
    void aTraditionalKeyIsRefusedWithHowToConvertIt() throws Exception {
        Path rsa = Files.writeString(dir.resolve("rsa.key"),
                "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n");
        String message = refusal(config(server.cert(), rsa));
        assertTrue(message.contains("openssl pkcs8 -topk8"), message);
    }

    @Test
    void anEncryptedKeyWithoutPasswordIsRefused() throws Exception {
        Path encrypted = Files.writeString(dir.resolve("enc.key"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertTrue(refusal(config(server.cert(), encrypted)).contains("is encrypted: give its password"));
        String wrong = refusal(new TlsConfig(server.cert(), encrypted, "pw", null, TlsConfig.ClientCerts.NONE));
        assertTrue(wrong.contains("cannot be decrypted"), wrong);
    }

    @Test
    void anAuthoritiesFileWithoutCertificatesIsRefused() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty-ca.pem"), "");
        String message = refusal(new TlsConfig(server.cert(), server.key(), null, empty, TlsConfig.ClientCerts.REQUIRED));
        assertTrue(message.startsWith("--ca-certs " + empty), message);
    }

    @Test
    void clientCertificatesNeedAuthorities() {
        assertThrows(IllegalArgumentException.class,
                () -> new TlsConfig(server.cert(), server.key(), null, null, TlsConfig.ClientCerts.OPTIONAL));
    }
}
