package dev.tako.node.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.proxy.tls.CertifiedKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateStoreTest {
  @TempDir Path home;

  X509Certificate cert(KeyPair key, String host) {
    return TestCertificates.selfSigned(key, host, Instant.now().plus(Duration.ofDays(90)));
  }

  @Test
  void savedCertificatesLoadBackWithTheKeyOwnerOnly() throws Exception {
    CertificateStore store = new CertificateStore(home);
    KeyPair key = CertificateStore.newKeyPair();
    X509Certificate leaf = cert(key, "shop.example.com");
    X509Certificate other = cert(CertificateStore.newKeyPair(), "intermediate");
    CertifiedKey saved = store.save("shop.example.com", key, List.of(leaf, other));

    Path dir = home.resolve("certs/shop.example.com");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("key.pem"))));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    Map<String, CertifiedKey> loaded = new CertificateStore(home).loadAll();
    assertEquals(List.of("shop.example.com"), List.copyOf(loaded.keySet()));
    assertEquals(saved.chain(), loaded.get("shop.example.com").chain());
    assertEquals(key.getPrivate(), loaded.get("shop.example.com").key());
  }

  @Test
  void aKeyThatDoesNotMatchItsChainOrAStrayDirectoryIsSkipped() throws Exception {
    CertificateStore store = new CertificateStore(home);
    KeyPair key = CertificateStore.newKeyPair();
    store.save("good.example.com", key, List.of(cert(key, "good.example.com")));
    // A crash between writing the new key and the new chain leaves the old chain.
    KeyPair next = CertificateStore.newKeyPair();
    store.save("torn.example.com", next, List.of(cert(key, "torn.example.com")));
    Files.createDirectories(home.resolve("certs/Not_A_Host"));
    Files.createDirectories(home.resolve("certs/empty.example.com"));

    assertEquals(List.of("good.example.com"), List.copyOf(store.loadAll().keySet()));
  }

  @Test
  void theAccountKeyIsMadeOnceOwnerOnlyAndReused() throws Exception {
    KeyPair first = new CertificateStore(home).accountKey();
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(home.resolve("acme/account.key"))));
    KeyPair again = new CertificateStore(home).accountKey();
    assertEquals(first.getPublic(), again.getPublic());
    assertEquals(first.getPrivate(), again.getPrivate());
  }

  @Test
  void onlyPlainHostNamesBecomeDirectories() {
    CertificateStore store = new CertificateStore(home);
    for (String bad : List.of("../etc", "*.example.com", "Shop.example.com", "a/b", "")) {
      assertThrows(IllegalArgumentException.class, () -> store.dir(bad), bad);
    }
    assertTrue(store.dir("a-b.example.com").endsWith("certs/a-b.example.com"));
  }
}
