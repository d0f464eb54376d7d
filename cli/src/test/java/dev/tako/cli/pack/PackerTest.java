package dev.tako.cli.pack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.Captured;
import dev.tako.cli.CliException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackerTest {
  @TempDir Path dir;

  private Path file(String rel, String text) throws IOException {
    Path f = dir.resolve("app").resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
    return f;
  }

  private Path app() {
    return dir.resolve("app");
  }

  private void sampleApp() throws IOException {
    file("server.js", "console.log('hi')");
    file("package.json", "{}");
    file("x.map", "top map");
    file("dist/app.js", "built");
    file("dist/app.js.map", "map");
    file("dist/css/site.css", "body{}");
    file("src/main.ts", "ts");
    file(".git/HEAD", "ref");
    file(".tako/artifacts/old.tar.gz", "old");
    file("node_modules/left-pad/index.js", "pad");
    file("src/lib/node_modules/dep/index.js", "nested dep");
    file("src/.git/config", "nested git");
    file(".env", "SECRET=1");
    file(".env.local", "SECRET=2");
    file("src/.env", "SECRET=3");
    file(".gitignore", "node_modules");
  }

  @Test
  void defaultSelectsEverythingButWhatIsNeverPacked() throws IOException {
    sampleApp();
    assertEquals(
        List.of(
            ".gitignore",
            "dist/app.js",
            "dist/app.js.map",
            "dist/css/site.css",
            "package.json",
            "server.js",
            "src/main.ts",
            "x.map"),
        Packer.select(app(), List.of(), List.of()));
  }

  @Test
  void includeAndExcludeGlobs() throws IOException {
    sampleApp();
    assertEquals(
        List.of("dist/app.js", "dist/css/site.css", "package.json", "server.js"),
        Packer.select(
            app(), List.of("dist/**", "package.json", "server.js", "x.map"), List.of("**/*.map")));
  }

  @Test
  void doubleStarSlashGlobsAlsoMatchAtTheTop() throws IOException {
    sampleApp();
    List<String> selected = Packer.select(app(), List.of("**/*.map"), List.of());
    assertEquals(List.of("dist/app.js.map", "x.map"), selected);
  }

  @Test
  void includingNeverPackedPathsStillLeavesThemOut() throws IOException {
    sampleApp();
    assertEquals(
        List.of(),
        Packer.select(
            app(),
            List.of(".git/**", ".tako/**", "node_modules/**", ".env", ".env.local"),
            List.of()));
  }

  @Test
  void packIsDeterministicAndNamedByItsSha256() throws Exception {
    sampleApp();
    Path out = dir.resolve("out");
    Packer.Artifact first = Packer.pack(app(), List.of(), List.of(), out);
    assertEquals(first.sha256() + ".tar.gz", first.file().getFileName().toString());
    assertEquals(first.sha256(), sha256(first.file()));
    assertEquals(Files.size(first.file()), first.size());
    assertEquals(8, first.files());

    try (var paths = Files.walk(app())) {
      for (Path p : paths.toList()) {
        Files.setLastModifiedTime(p, FileTime.from(Instant.parse("2031-05-06T07:08:09Z")));
      }
    }
    Packer.Artifact second = Packer.pack(app(), List.of(), List.of(), dir.resolve("out2"));
    assertEquals(first.sha256(), second.sha256());
    assertEquals(first.sha256(), sha256(second.file()));

    Packer.Artifact again = Packer.pack(app(), List.of(), List.of(), out);
    assertEquals(first.sha256(), again.sha256());
    try (var left = Files.list(out)) {
      assertEquals(List.of(first.file().getFileName()), left.map(Path::getFileName).toList());
    }

    file("server.js", "console.log('changed')");
    assertNotEquals(first.sha256(), Packer.pack(app(), List.of(), List.of(), out).sha256());
  }

  @Test
  void tarHasSortedEntriesFixedOwnersAndTimesAndKeepsTheExecutableBit() throws Exception {
    Path run = file("bin/run", "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    file("a.txt", "a");
    Packer.Artifact a = Packer.pack(app(), List.of(), List.of(), dir.resolve("out"));

    Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
    Map<String, String> contents = new LinkedHashMap<>();
    try (InputStream in = Files.newInputStream(a.file());
        TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(in))) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        entries.put(e.getName(), e);
        contents.put(e.getName(), new String(tar.readAllBytes()));
      }
    }
    assertEquals(List.of("a.txt", "bin/run"), new ArrayList<>(entries.keySet()));
    assertEquals(0100755, entries.get("bin/run").getMode());
    assertEquals(0100644, entries.get("a.txt").getMode());
    assertEquals("#!/bin/sh\necho hi\n", contents.get("bin/run"));
    for (TarArchiveEntry e : entries.values()) {
      assertEquals(0L, e.getLongUserId());
      assertEquals(0L, e.getLongGroupId());
      assertEquals(Instant.parse("2000-01-01T00:00:00Z"), e.getModTime().toInstant());
    }
  }

  @Test
  void emptySelectionIsAUsageError() throws IOException {
    sampleApp();
    CliException e =
        assertThrows(
            CliException.class,
            () -> Packer.pack(app(), List.of("nothing/**"), List.of(), dir.resolve("out")));
    assertEquals(CliException.USAGE, e.exitCode());
    assertTrue(e.getMessage().contains("[build].include"), e.getMessage());
  }

  @Test
  void buildRunsInACopyAndLeavesTheProjectUntouched() throws IOException {
    file("src.txt", "source");
    file(".git/HEAD", "ref");
    file(".tako/artifacts/old.tar.gz", "old");
    Path work = app().resolve(".tako");
    Path copy;
    try (Captured c = new Captured()) {
      copy =
          Packer.buildInCopy(
              app(),
              "test -f src.txt && test ! -e .git && mkdir dist && cp src.txt dist/out.txt"
                  + " && echo build-says-hi && echo build-warns >&2",
              work);
      assertEquals("", c.out(), "build output must not reach stdout");
      assertTrue(c.err().contains("build-says-hi") && c.err().contains("build-warns"), c.err());
    }
    assertEquals(work.resolve("build"), copy);
    assertEquals("source", Files.readString(copy.resolve("dist/out.txt")));
    assertTrue(Files.notExists(app().resolve("dist")), "the user's tree is untouched");
    assertTrue(Files.notExists(copy.resolve(".tako")));

    // A second build starts from a fresh copy.
    Files.writeString(copy.resolve("stale.txt"), "stale");
    Packer.buildInCopy(app(), "true", work);
    assertTrue(Files.notExists(copy.resolve("stale.txt")));
  }

  @Test
  void failingBuildIsExitOneAndNamesTheCommand() throws IOException {
    file("src.txt", "source");
    try (Captured c = new Captured()) {
      CliException e =
          assertThrows(
              CliException.class,
              () -> Packer.buildInCopy(app(), "echo compiling; exit 3", dir.resolve("work")));
      assertEquals(CliException.FAILED, e.exitCode());
      assertTrue(e.getMessage().contains("echo compiling; exit 3"), e.getMessage());
      assertTrue(e.getMessage().contains("exit code 3"), e.getMessage());
    }
  }

  private static String sha256(Path f) throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
  }
}
