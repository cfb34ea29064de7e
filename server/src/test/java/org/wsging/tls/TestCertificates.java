package org.wsging.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/** Self-signed certificates for the tests, made by the JDK's keytool and written as PEM files. */
public final class TestCertificates {
    private static final String PASSWORD = "changeit";

    /** A certificate and its key, as PEM files. */
    public record Pair(Path cert, Path key, X509Certificate certificate) {}

    private TestCertificates() {}

    /**
     * @param startDate keytool's -startdate ("-10d" for one that began ten days ago), or null for now
     * @param days      how long it is valid from then
     */
    public static Pair make(Path dir, String name, String startDate, int days) throws Exception {
        Path store = dir.resolve(name + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> command = new java.util.ArrayList<>(List.of(keytool, "-genkeypair", "-alias", name,
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name + ",O=wsging tests",
                "-validity", String.valueOf(days), "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", PASSWORD, "-keypass", PASSWORD, "-ext", "SAN=dns:localhost"));
        if (startDate != null) {
            command.addAll(List.of("-startdate", startDate));
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException("keytool failed: " + output);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) keyStore.getKey(name, PASSWORD.toCharArray());
        X509Certificate cert = (X509Certificate) keyStore.getCertificate(name);
        Path certFile = Files.writeString(dir.resolve(name + ".pem"), TlsFacts.pem(cert));
        Path keyFile = Files.writeString(dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        return new Pair(certFile, keyFile, cert);
    }
}
