package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenTest {
  @TempDir Path home;

  private String tokenText() throws IOException {
    return Files.readString(home.resolve("admin.token")).trim();
  }

  @Test
  void createsAnOwnerOnlyTokenAtFirstStart() throws IOException {
    AdminToken token = AdminToken.loadOrCreate(home);
    Path file = home.resolve("admin.token");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertTrue(tokenText().matches("[0-9a-f]{64}"), tokenText());
    assertTrue(token.accepts("Bearer " + tokenText()));
    assertFalse(Files.exists(home.resolve("admin.token.tmp")));
  }

  @Test
  void reusesTheTokenOnLaterStarts() throws IOException {
    AdminToken.loadOrCreate(home);
    String first = tokenText();
    AdminToken again = AdminToken.loadOrCreate(home);
    assertEquals(first, tokenText());
    assertTrue(again.accepts("Bearer " + first));
  }

  @Test
  void refusesATokenFileOthersCanRead() throws IOException {
    Path file = home.resolve("admin.token");
    Files.writeString(file, "a".repeat(64));
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> AdminToken.loadOrCreate(home));
    assertTrue(e.getMessage().contains("readable by others"), e.getMessage());
    assertTrue(e.getMessage().contains("chmod 600 " + file), e.getMessage());
  }

  @Test
  void refusesAnEmptyTokenFile() throws IOException {
    Path file = home.resolve("admin.token");
    Files.writeString(file, "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    IOException e = assertThrows(IOException.class, () -> AdminToken.loadOrCreate(home));
    assertTrue(e.getMessage().contains("is empty"), e.getMessage());
  }

  @Test
  void acceptsOnlyTheExactBearerToken() throws IOException {
    AdminToken token = AdminToken.loadOrCreate(home);
    String t = tokenText();
    assertTrue(token.accepts("Bearer " + t));
    assertTrue(token.accepts("Bearer " + t + " "), "surrounding blanks are not part of it");
    assertFalse(token.accepts(null));
    assertFalse(token.accepts(""));
    assertFalse(token.accepts(t), "the scheme is required");
    assertFalse(token.accepts("bearer" + t));
    assertFalse(token.accepts("Basic " + t));
    assertFalse(token.accepts("Bearer "));
    assertFalse(token.accepts("Bearer " + t.substring(0, 63)), "a prefix");
    assertFalse(token.accepts("Bearer " + t + "0"), "a longer one");
    char last = t.charAt(63);
    assertFalse(token.accepts("Bearer " + t.substring(0, 63) + (last == '0' ? '1' : '0')));
    assertFalse(token.accepts("Bearer " + t.toUpperCase()), "case matters");
  }
}
