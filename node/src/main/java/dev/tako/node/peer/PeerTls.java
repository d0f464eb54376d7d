package dev.tako.node.peer;

import dev.tako.protocol.tls.PemFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS context of the node-to-node listener and its client: this node's cluster certificate
 * ({@code <home>/tls/node.crt}, {@code node.key}) presented on both sides, and only the cluster CA
 * ({@code tls/ca.crt}) trusted, as Artery does. Read from the files each time it is made, so {@code
 * tako servers rotate-certs} reaches new connections without a restart.
 */
public final class PeerTls {
  private static final char[] NO_PASSWORD = new char[0];

  private PeerTls() {}

  public static SSLContext context(Path tlsDir) throws IOException, GeneralSecurityException {
    PrivateKey key =
        PemFiles.readPrivateKey(
            tlsDir.resolve("node.key"), "RSA", "run tako servers rotate-certs for this server");
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    Collection<? extends Certificate> chain;
    try (InputStream in = Files.newInputStream(tlsDir.resolve("node.crt"))) {
      chain = x509.generateCertificates(in);
    }
    Collection<? extends Certificate> cas;
    try (InputStream in = Files.newInputStream(tlsDir.resolve("ca.crt"))) {
      cas = x509.generateCertificates(in);
    }
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("node", key, NO_PASSWORD, chain.toArray(Certificate[]::new));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, NO_PASSWORD);
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    int i = 0;
    for (Certificate ca : cas) {
      trusted.setCertificateEntry("cluster-ca-" + i++, ca);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext ctx = SSLContext.getInstance("TLSv1.3");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }
}
