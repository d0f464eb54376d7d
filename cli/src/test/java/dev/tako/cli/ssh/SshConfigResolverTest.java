package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshConfigResolverTest {

  @TempDir Path home;

  private SshConfigResolver resolver(String config) throws IOException {
    Path file = Files.createDirectories(home.resolve(".ssh")).resolve("config");
    Files.writeString(file, config);
    return new SshConfigResolver(file, home);
  }

  @Test
  void resolvesAnAliasWithFirstValueWinning() throws Exception {
    SshConfigResolver r =
        resolver(
            """
            # my servers
            Host la la-edge
                HostName 203.0.113.10
                User deploy
                Port 2222
                IdentityFile ~/.ssh/tako_ed25519

            Host *.example.com !bad.example.com
              User=web
              IdentityFile "%d/keys/%h.key"

            Host *
                User root
                Port 22
                HostName ignored.example
            """);

    assertEquals(
        new SshConfigResolver.Resolved(
            "203.0.113.10", "deploy", 2222, home.resolve(".ssh/tako_ed25519")),
        r.resolve("la-edge"));
    assertEquals(
        new SshConfigResolver.Resolved(
            "ignored.example", "web", 22, home.resolve("keys/nyc.example.com.key")),
        r.resolve("nyc.example.com"));
    assertEquals(
        new SshConfigResolver.Resolved("ignored.example", "root", 22, null),
        r.resolve("bad.example.com"));
  }

  @Test
  void globalSettingsApplyAndMatchBlocksAreSkipped() throws Exception {
    SshConfigResolver r =
        resolver(
            """
            User early
            Match host fra
              User matched
            Host fr?
              HostName %h.internal
            """);
    assertEquals(
        new SshConfigResolver.Resolved("fra.internal", "early", null, null), r.resolve("fra"));
    assertEquals(
        new SshConfigResolver.Resolved("frankfurt", "early", null, null), r.resolve("frankfurt"));
  }

  @Test
  void aMissingFileResolvesNothing() throws Exception {
    SshConfigResolver r = new SshConfigResolver(home.resolve("no-such-config"), home);
    assertEquals(new SshConfigResolver.Resolved("la", null, null, null), r.resolve("la"));
  }

  @Test
  void aBadPortNamesTheLine() throws Exception {
    SshConfigResolver r = resolver("Host la\n  Port abc\n");
    IOException e = assertThrows(IOException.class, () -> r.resolve("la"));
    assertTrue(e.getMessage().contains("line 2: Port abc"), e.getMessage());
  }

  @Test
  void globsAndWords() {
    assertTrue(SshConfigResolver.glob("*.EXAMPLE.com", "a.b.example.com"));
    assertTrue(SshConfigResolver.glob("n?c", "nyc"));
    assertTrue(!SshConfigResolver.glob("n?c", "nycc"));
    assertEquals(
        List.of("IdentityFile", "/a b/c"), SshConfigResolver.words("IdentityFile \"/a b/c\""));
    assertEquals(List.of("Port", "22"), SshConfigResolver.words("  Port = 22 # comment"));
  }
}
