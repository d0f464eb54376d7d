package dev.tako.protocol.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.crypto.SecretException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsFileTest {
  @TempDir Path project;
  @TempDir Path keysDir;

  @Test
  void valuesAreEncryptedAtRestAndRoundTrip() throws Exception {
    SecretKeys keys = new SecretKeys(keysDir);
    byte[] key = keys.loadOrCreate("hello", "production");
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(keys.file("hello", "production"))));
    SecretsFile file = SecretsFile.load(project, "hello");
    file.set("production", "DB_PASSWORD", "multi\nline value", key);
    file.set("production", "API_KEY", "k-123456789", key);
    file.save();
    String onDisk = Files.readString(project.resolve(".tako/secrets.json"));
    assertFalse(onDisk.contains("multi"), onDisk);
    assertFalse(onDisk.contains("k-123456789"), onDisk);

    SecretsFile again = SecretsFile.load(project, "hello");
    assertEquals(
        Map.of("API_KEY", "k-123456789", "DB_PASSWORD", "multi\nline value"),
        again.decrypt("production", keys.load("hello", "production")));
    assertEquals(
        Map.of("API_KEY", List.of("production"), "DB_PASSWORD", List.of("production")),
        again.names());
    assertTrue(again.remove("production", "API_KEY"));
    assertFalse(again.remove("production", "API_KEY"));
  }

  @Test
  void aValueCannotBeMovedToAnotherAppOrDecryptedWithAnotherKey() throws Exception {
    SecretKeys keys = new SecretKeys(keysDir);
    SecretsFile file = SecretsFile.load(project, "hello");
    file.set("production", "X", "v", keys.loadOrCreate("hello", "production"));
    file.save();
    SecretsFile asOther = SecretsFile.load(project, "other");
    assertThrows(
        SecretException.class,
        () -> asOther.decrypt("production", keys.load("hello", "production")));
    assertThrows(
        SecretException.class,
        () -> file.decrypt("production", keys.loadOrCreate("hello", "staging")));
  }

  @Test
  void keyExportImportRoundTripAndAWrongPassphraseFailsClearly() throws Exception {
    SecretKeys keys = new SecretKeys(keysDir);
    byte[] key = keys.loadOrCreate("hello", "production");
    String line = SecretKeys.export(key, "correct horse".toCharArray(), "hello", "production");
    assertFalse(line.contains(java.util.Base64.getEncoder().encodeToString(key)));
    assertArrayEquals(
        key, SecretKeys.importKey(line, "correct horse".toCharArray(), "hello", "production"));
    SecretException wrong =
        assertThrows(
            SecretException.class,
            () -> SecretKeys.importKey(line, "wrong horse".toCharArray(), "hello", "production"));
    assertTrue(wrong.getMessage().contains("wrong passphrase"), wrong.getMessage());
    SecretException otherApp =
        assertThrows(
            SecretException.class,
            () -> SecretKeys.importKey(line, "correct horse".toCharArray(), "other", "production"));
    assertTrue(otherApp.getMessage().contains("hello (production)"), otherApp.getMessage());
  }

  @Test
  void digestsIdentifyASetWithoutRevealingIt() {
    byte[] key = dev.tako.protocol.crypto.SecretBox.newKey();
    String d = SecretsFile.digest(Map.of("X", "1", "Y", "2"), key);
    assertEquals(d, SecretsFile.digest(Map.of("Y", "2", "X", "1"), key));
    assertFalse(d.equals(SecretsFile.digest(Map.of("X", "1", "Y", "3"), key)));
    assertFalse(d.equals(SecretsFile.digest(Map.of("XY", "12"), key)), "no ambiguity");
    assertFalse(
        d.equals(
            SecretsFile.digest(
                Map.of("X", "1", "Y", "2"), dev.tako.protocol.crypto.SecretBox.newKey())),
        "keyed");
  }
}
