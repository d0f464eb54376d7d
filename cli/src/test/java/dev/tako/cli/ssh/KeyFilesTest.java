package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFilesTest {

  @TempDir Path dir;

  @Test
  void writesPkcs8PemOwnerOnlyAndReadsTheWholePairBack() throws Exception {
    KeyPair pair = KeyFiles.generateRsa();
    assertEquals(3072, ((RSAPublicKey) pair.getPublic()).getModulus().bitLength());
    Path file = dir.resolve("keys/node.key");

    KeyFiles.writePrivateKey(file, pair.getPrivate());

    String text = Files.readString(file);
    assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), text);
    assertTrue(text.endsWith("-----END PRIVATE KEY-----\n"), text);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    KeyPair back = KeyFiles.readPkcs8(file);
    assertEquals(pair.getPrivate(), back.getPrivate());
    assertEquals(pair.getPublic(), back.getPublic());

    KeyFiles.writePrivateKey(file, KeyFiles.generateRsa().getPrivate());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
  }

  @Test
  void sshjLoadsThePkcs8File() throws Exception {
    KeyPair pair = KeyFiles.generateRsa();
    Path file = dir.resolve("id");
    KeyFiles.writePrivateKey(file, pair.getPrivate());
    try (SSHClient client = new SSHClient()) {
      KeyProvider provider = client.loadKeys(file.toString());
      assertEquals(pair.getPublic(), provider.getPublic());
    }
  }

  @Test
  void authorizedKeyAndKnownHostsLinesUseTheOpenSshWireEncoding() throws Exception {
    KeyPair pair = KeyFiles.generateRsa();
    String line = KeyFiles.authorizedKeyLine(pair.getPublic(), "tako playground");
    String[] parts = line.split(" ", 3);
    assertEquals("ssh-rsa", parts[0]);
    assertTrue(parts[1].startsWith("AAAAB3NzaC1yc2E"), "base64 of the ssh-rsa wire prefix");
    assertEquals("tako playground", parts[2]);
    byte[] wire = Base64.getDecoder().decode(parts[1]);
    assertEquals(pair.getPublic(), new Buffer.PlainBuffer(wire).readPublicKey());

    assertEquals(
        "[127.0.0.1]:2201 " + KeyFiles.authorizedKeyLine(pair.getPublic(), null),
        KeyFiles.knownHostsLine("127.0.0.1", 2201, pair.getPublic()));
    assertEquals(
        "la.example.com " + KeyFiles.authorizedKeyLine(pair.getPublic(), null),
        KeyFiles.knownHostsLine("LA.example.com", 22, pair.getPublic()));
  }

  @Test
  void fingerprintsLookLikeOpenSsh() {
    // the ed25519 key and fingerprint from `ssh-keygen -lf` on an OpenSSH test key
    byte[] wire =
        Base64.getDecoder()
            .decode("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
    String fp = KeyFiles.sha256Fingerprint(wire);
    assertTrue(fp.matches("SHA256:[A-Za-z0-9+/]{43}"), fp);
  }

  @Test
  void aFileThatIsNotPkcs8IsRefusedByName() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.key"), "-----BEGIN OPENSSH PRIVATE KEY-----\n");
    IOException e = assertThrows(IOException.class, () -> KeyFiles.readPkcs8(file));
    assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
  }
}
