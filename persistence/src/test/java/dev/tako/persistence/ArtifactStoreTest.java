package dev.tako.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoreTest {

  @TempDir Path tmp;
  private Path home;
  private ArtifactStore store;

  @BeforeEach
  void setUp() throws IOException {
    home = Files.createDirectories(tmp.resolve("home"));
    store = new ArtifactStore(home);
  }

  @Test
  void extractsFilesDirectoriesLinksAndTheExecutableBit() throws Exception {
    String sha =
        new TarBuilder()
            .dir("bin")
            .file("bin/server", "#!/bin/sh\necho hi\n", 0755)
            .file("public/index.html", "<h1>hi</h1>", 0644)
            .file("./config/app.toml", "x = 1", 0600)
            .symlink("current", "public/index.html")
            .symlink("public/up", "../bin")
            .hardlink("public/copy.html", "public/index.html")
            .storeIn(home);
    assertTrue(store.has(sha));
    store.verify(sha);

    Path dir = store.extract(sha, "web", "prod", "r1");

    assertEquals(home.resolve("apps/web/prod/releases/r1"), dir);
    assertEquals(store.releaseDir("web", "prod", "r1"), dir);
    assertEquals("#!/bin/sh\necho hi\n", Files.readString(dir.resolve("bin/server")));
    assertTrue(Files.isExecutable(dir.resolve("bin/server")));
    Set<PosixFilePermission> page = Files.getPosixFilePermissions(dir.resolve("public/index.html"));
    assertFalse(page.contains(PosixFilePermission.OWNER_EXECUTE));
    assertEquals("x = 1", Files.readString(dir.resolve("config/app.toml")));
    assertTrue(Files.isSymbolicLink(dir.resolve("current")));
    assertEquals("<h1>hi</h1>", Files.readString(dir.resolve("current")));
    assertTrue(Files.isDirectory(dir.resolve("public/up")));
    assertEquals("<h1>hi</h1>", Files.readString(dir.resolve("public/copy.html")));
    assertEquals(List.of("r1"), children(home.resolve("apps/web/prod/releases")));
  }

  @Test
  void extractingAnExistingReleaseLeavesItUntouched() throws Exception {
    String sha = new TarBuilder().file("a.txt", "one", 0644).storeIn(home);
    Path dir = store.extract(sha, "web", "prod", "r1");
    Files.writeString(dir.resolve("marker"), "kept");

    assertEquals(dir, store.extract(sha, "web", "prod", "r1"));
    assertEquals("kept", Files.readString(dir.resolve("marker")));
  }

  @Test
  void deletingAnAppKeepsItsDataUnlessPurgedAndLeavesOtherAppsAlone() throws Exception {
    String sha = new TarBuilder().file("a.txt", "one", 0644).storeIn(home);
    Path release = store.extract(sha, "web", "prod", "r1");
    Files.writeString(store.logsDir("web", "prod").resolve("i1.log"), "line");
    Files.writeString(store.dataDir("web", "prod").resolve("db.sqlite"), "rows");
    Path deps = Files.createDirectories(release.getParent().resolveSibling("deps").resolve("k1"));
    Files.createSymbolicLink(release.resolve("node_modules"), deps);
    Path other = store.extract(sha, "web", "staging", "r1");

    store.deleteApp("web", "prod", false);
    Path app = home.resolve("apps/web/prod");
    try (Stream<Path> left = Files.list(app)) {
      assertEquals(List.of(app.resolve("data")), left.toList());
    }
    assertEquals("rows", Files.readString(app.resolve("data/db.sqlite")));
    assertTrue(Files.isRegularFile(other.resolve("a.txt")), "another environment is untouched");

    store.deleteApp("web", "prod", true);
    assertFalse(Files.exists(app));
    assertTrue(Files.isDirectory(home.resolve("apps/web")), "staging still lives there");
    store.deleteApp("web", "staging", true);
    assertFalse(Files.exists(home.resolve("apps/web")));
    store.deleteApp("web", "staging", true); // nothing left: no error

    store.deleteArtifacts(Set.of(sha));
    assertFalse(store.has(sha));
  }

  @Test
  void aMissingArtifactSaysToDeployAgain() {
    String sha = "0".repeat(64);
    assertFalse(store.has(sha));
    ArtifactException e = assertThrows(ArtifactException.class, () -> store.verify(sha));
    assertEquals(
        "artifact " + sha + " was not uploaded to this server; run tako deploy again",
        e.getMessage());
    assertThrows(ArtifactException.class, () -> store.extract(sha, "web", "prod", "r1"));
  }

  @Test
  void aCorruptArtifactIsDeletedAndNotExtracted() throws Exception {
    String sha = new TarBuilder().file("a.txt", "one", 0644).storeIn(home);
    Files.write(store.artifact(sha), "garbage".getBytes(StandardCharsets.UTF_8));

    ArtifactException e =
        assertThrows(ArtifactException.class, () -> store.extract(sha, "web", "prod", "r1"));

    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    assertTrue(e.getMessage().contains("run tako deploy again to upload it anew"));
    assertFalse(store.has(sha));
    assertFalse(Files.exists(store.releaseDir("web", "prod", "r1")));
  }

  @Test
  void refusesAnEntryThatEscapesWithDotDot() throws Exception {
    String sha =
        new TarBuilder()
            .file("ok.txt", "fine", 0644)
            .file("../evil", "pwned", 0644)
            .file("a/../../../evil2", "pwned", 0644)
            .storeIn(home);

    assertRefused(sha, "escapes");
    assertFalse(Files.exists(home.resolve("apps/web/prod/releases/evil")));
    assertFalse(Files.exists(home.resolve("apps/web/prod/evil2")));
  }

  @Test
  void allowsDotDotThatStaysInside() throws Exception {
    String sha = new TarBuilder().file("a/../b.txt", "fine", 0644).storeIn(home);
    assertEquals(
        "fine", Files.readString(store.extract(sha, "web", "prod", "r1").resolve("b.txt")));
  }

  @Test
  void refusesAnAbsoluteEntry() throws Exception {
    Path outside = tmp.resolve("outside.txt");
    String sha = new TarBuilder().file(outside.toString(), "pwned", 0644).storeIn(home);

    assertRefused(sha, "absolute");
    assertFalse(Files.exists(outside));
  }

  @Test
  void refusesASymlinkThatPointsOutside() throws Exception {
    String relative = new TarBuilder().symlink("etc", "../../../../..").storeIn(home);
    assertRefused(relative, "outside");

    String absolute = new TarBuilder().symlink("passwd", "/etc/passwd").storeIn(home);
    assertRefused(absolute, "outside");
  }

  @Test
  void refusesWritingThroughALinkTheArchiveCreated() throws Exception {
    Path victim = Files.createDirectories(tmp.resolve("victim"));
    // "here" points at the release root; "out" is lexically inside (here/..) but physically
    // leads to the parent of the release directory; then a file is written below it.
    String sha =
        new TarBuilder()
            .symlink("here", ".")
            .symlink("out", "here/..")
            .file("out/evil", "pwned", 0644)
            .storeIn(home);

    assertRefused(sha, "where another entry is");
    try (Stream<Path> all = Files.walk(tmp)) {
      assertTrue(all.noneMatch(p -> p.getFileName().toString().equals("evil")));
    }
    assertEquals(List.of(), children(victim));

    String chained = new TarBuilder().symlink("here", ".").symlink("out", "here/..").storeIn(home);
    assertRefused(chained, "outside");
  }

  @Test
  void refusesAHardLinkToAFileOutside() throws Exception {
    String sha = new TarBuilder().hardlink("shadow", "../../../../../etc/passwd").storeIn(home);
    assertRefused(sha, "escapes");
  }

  @Test
  void enforcesSizeAndEntryLimits() throws Exception {
    String big = new TarBuilder().file("a", "12345", 0644).file("b", "67890", 0644).storeIn(home);
    assertRefused(new ArtifactStore(home, 8, 100), big, "more than 8 bytes");

    String many = new TarBuilder().file("a", "", 0644).file("b", "", 0644).storeIn(home);
    assertRefused(new ArtifactStore(home, 1000, 1), many, "more than 1 entries");
  }

  @Test
  void createsDataAndLogsDirectoriesOnDemand() {
    Path data = store.dataDir("web", "prod");
    Path logs = store.logsDir("web", "prod");
    assertEquals(home.resolve("apps/web/prod/data"), data);
    assertEquals(home.resolve("apps/web/prod/logs"), logs);
    assertTrue(Files.isDirectory(data));
    assertTrue(Files.isDirectory(logs));
  }

  @Test
  void rejectsNamesThatAreNotPathSegments() {
    assertThrows(IllegalArgumentException.class, () -> store.releaseDir("web", "prod", ".."));
    assertThrows(IllegalArgumentException.class, () -> store.dataDir("../x", "prod"));
    assertThrows(IllegalArgumentException.class, () -> store.artifact("../../etc/passwd"));
  }

  @Test
  void prunesReleasesAndArtifactsNotKept() throws Exception {
    String one = new TarBuilder().file("v", "1", 0644).storeIn(home);
    String two = new TarBuilder().file("v", "2", 0644).storeIn(home);
    String three = new TarBuilder().file("v", "3", 0644).storeIn(home);
    store.extract(one, "web", "prod", "r1");
    store.extract(two, "web", "prod", "r2");
    Path r3 = store.extract(three, "web", "prod", "r3");
    Files.createSymbolicLink(r3.resolve("outside"), tmp);
    Path upload = Files.writeString(home.resolve("artifacts/upload-123.tmp"), "partial");

    store.pruneReleases("web", "prod", Set.of("r1"));
    store.pruneArtifacts(Set.of(one));

    assertEquals(List.of("r1"), children(home.resolve("apps/web/prod/releases")));
    assertTrue(Files.isDirectory(tmp.resolve("home")), "links are deleted, not followed");
    assertTrue(store.has(one));
    assertFalse(store.has(two));
    assertFalse(store.has(three));
    assertTrue(Files.exists(upload), "uploads in progress are left alone");
  }

  private void assertRefused(String sha, String reason) {
    assertRefused(store, sha, reason);
  }

  private void assertRefused(ArtifactStore s, String sha, String reason) {
    ArtifactException e =
        assertThrows(ArtifactException.class, () -> s.extract(sha, "web", "prod", "r1"));
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().contains("nothing was extracted"), e.getMessage());
    assertFalse(Files.exists(s.releaseDir("web", "prod", "r1")));
    assertEquals(List.of(), children(home.resolve("apps/web/prod/releases")), "no temp left");
  }

  private static List<String> children(Path dir) {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
