package dev.tako.node.secrets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeKeyTest {
  @TempDir Path home;

  @Test
  void sealsUnderAKeyMadeOnceWithOwnerOnlyPermissions() throws Exception {
    NodeKey key = NodeKey.loadOrCreate(home);
    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("node.key"))));
    var sealed = key.seal("hello", "production", Map.of("API_KEY", "v-1"));
    assertFalse(sealed.toString().contains("v-1"));
    NodeKey reloaded = NodeKey.loadOrCreate(home);
    assertEquals(Map.of("API_KEY", "v-1"), reloaded.open("hello", "production", sealed));
    assertThrows(
        dev.tako.protocol.crypto.SecretException.class,
        () -> reloaded.open("other", "production", sealed));
  }

  @Test
  void aKeyFileReadableByOthersIsRefused() throws Exception {
    NodeKey.loadOrCreate(home);
    Files.setPosixFilePermissions(
        home.resolve("node.key"), PosixFilePermissions.fromString("rw-r--r--"));
    var e = assertThrows(java.io.IOException.class, () -> NodeKey.loadOrCreate(home));
    assertEquals(true, e.getMessage().contains("chmod 600"), e.getMessage());
  }
}
