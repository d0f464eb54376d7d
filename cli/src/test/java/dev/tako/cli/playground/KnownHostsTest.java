package dev.tako.cli.playground;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownHostsTest {
  @TempDir Path dir;

  @Test
  void replaceAddsToAMissingFile() throws Exception {
    Path file = dir.resolve("home/known_hosts");
    KnownHosts.replace(file, "127.0.0.1", 2201, "[127.0.0.1]:2201 ssh-rsa AAAA1");
    assertEquals(List.of("[127.0.0.1]:2201 ssh-rsa AAAA1"), Files.readAllLines(file));
  }

  @Test
  void replaceTouchesOnlyThatHostAndPort() throws Exception {
    Path file = dir.resolve("known_hosts");
    Files.write(
        file,
        List.of(
            "# a comment",
            "[127.0.0.1]:2201 ssh-rsa OLD",
            "[127.0.0.1]:22010 ssh-rsa OTHER-PORT",
            "[127.0.0.10]:2201 ssh-rsa OTHER-HOST",
            "127.0.0.1 ssh-ed25519 PORT-22",
            "[127.0.0.1]:2201 ssh-ed25519 OLD-TOO",
            "example.com ssh-rsa REMOTE"));
    KnownHosts.replace(file, "127.0.0.1", 2201, "[127.0.0.1]:2201 ssh-rsa NEW");
    assertEquals(
        List.of(
            "# a comment",
            "[127.0.0.1]:22010 ssh-rsa OTHER-PORT",
            "[127.0.0.10]:2201 ssh-rsa OTHER-HOST",
            "127.0.0.1 ssh-ed25519 PORT-22",
            "example.com ssh-rsa REMOTE",
            "[127.0.0.1]:2201 ssh-rsa NEW"),
        Files.readAllLines(file));
  }

  @Test
  void replaceWithNullOnlyRemoves() throws Exception {
    Path file = dir.resolve("known_hosts");
    Files.write(
        file,
        List.of("127.0.0.1 ssh-rsa PORT-22", "[127.0.0.1]:2201 ssh-rsa X", "10.0.0.1 ssh-rsa Y"));
    KnownHosts.replace(file, "127.0.0.1", 22, null);
    assertEquals(
        List.of("[127.0.0.1]:2201 ssh-rsa X", "10.0.0.1 ssh-rsa Y"), Files.readAllLines(file));
    KnownHosts.replace(file, "127.0.0.1", 2201, null);
    assertEquals(List.of("10.0.0.1 ssh-rsa Y"), Files.readAllLines(file));
  }
}
