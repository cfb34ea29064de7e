package org.wsging.tls;

/**
 * The certificate a client presented, as the application sees it ({@code request.tls.client_cert}).
 *
 * @param subject its subject's distinguished name, RFC 4514 form ({@code CN=alice,O=Example})
 * @param issuer  its issuer's, in the same form
 * @param serial  its serial number in upper-case hexadecimal, as mod_ssl's SSL_CLIENT_M_SERIAL
 * @param pem     the certificate itself, PEM-encoded
 */
public record ClientCertificate(String subject, String issuer, String serial, String pem) {}
