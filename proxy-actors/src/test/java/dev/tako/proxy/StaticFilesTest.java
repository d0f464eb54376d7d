package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StaticFilesTest {
  @TempDir Path root;

  @Test
  void decodesPlainAndEncodedPaths() {
    assertEquals("app.js", StaticFiles.decode("/app.js"));
    assertEquals("a b/ü.txt", StaticFiles.decode("/a%20b/%C3%BC.txt"));
    assertEquals("img/logo.png", StaticFiles.decode("/img/logo.png"));
  }

  @Test
  void refusesTraversalEncodedOrNot() {
    for (String path :
        new String[] {
          "/../secret",
          "/a/../../secret",
          "/%2e%2e/secret",
          "/%2E%2E/secret",
          "/a/%2e%2e%2fsecret",
          "/..%2fsecret",
          "/a%2fb",
          "/a%5cb",
          "/a\\..\\b",
          "/a%00.txt",
          "/..",
        }) {
      assertSame(StaticFiles.REFUSE, StaticFiles.decode(path), path);
    }
  }

  @Test
  void oddPathsAreNoFiles() {
    for (String path : new String[] {"/", "", "/dir/", "/a//b", "/./a", "/%zz", "/%C3", "/a%0d"}) {
      assertNull(StaticFiles.decode(path), path);
    }
  }

  @Test
  void findsRegularFilesOnlyAndNeverOutsideTheDirectory() throws Exception {
    Path pub = Files.createDirectories(root.resolve("public"));
    Files.writeString(pub.resolve("a.txt"), "hello");
    Files.createDirectories(pub.resolve("dir"));
    Path secret = Files.writeString(root.resolve("secret.txt"), "secret");
    Files.createSymbolicLink(pub.resolve("link.txt"), secret);
    Files.createSymbolicLink(pub.resolve("inside.txt"), pub.resolve("a.txt"));

    StaticFiles.Found found = StaticFiles.find(pub, "/a.txt");
    assertEquals(5, found.size());
    assertEquals(pub.resolve("a.txt").toRealPath(), found.file());
    assertNull(StaticFiles.find(pub, "/dir"));
    assertNull(StaticFiles.find(pub, "/missing.txt"));
    assertSame(StaticFiles.REFUSED, StaticFiles.find(pub, "/../secret.txt"));
    assertSame(StaticFiles.REFUSED, StaticFiles.find(pub, "/link.txt"));
    assertEquals(5, StaticFiles.find(pub, "/inside.txt").size());
  }

  @Test
  void etagFollowsTheContentNotTheModificationTime(@TempDir Path dir) throws Exception {
    Path a = Files.writeString(dir.resolve("a.css"), "body { color: red }");
    Path b = Files.writeString(dir.resolve("b.css"), "body { color: red }");
    Path c = Files.writeString(dir.resolve("c.css"), "body { color: tan }");
    Files.setLastModifiedTime(b, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    String tagA = StaticFiles.etag(new StaticFiles.Found(a, Files.size(a), 1), false);
    String tagB = StaticFiles.etag(new StaticFiles.Found(b, Files.size(b), 1_000_000), false);
    String tagC = StaticFiles.etag(new StaticFiles.Found(c, Files.size(c), 1), false);
    assertEquals(tagA, tagB, "same content on another server or in another release");
    assertNotEquals(tagA, tagC, "same size, other content");
    Files.writeString(a, "body { color: tan }");
    assertEquals(tagC, StaticFiles.etag(new StaticFiles.Found(a, Files.size(a), 2), false));
  }

  @Test
  void etagDiffersForTheGzipVariant() {
    StaticFiles.Found f = new StaticFiles.Found(Path.of("x"), 1234, 5678);
    assertEquals('"', StaticFiles.etag(f, false).charAt(0));
    assertNotEquals(StaticFiles.etag(f, false), StaticFiles.etag(f, true));
  }

  @Test
  void rangesAreParsedAndClippedToTheFile() {
    assertEquals(new StaticFiles.ByteRange(0, 99), StaticFiles.range("bytes=0-99", 1000));
    assertEquals(new StaticFiles.ByteRange(900, 999), StaticFiles.range("bytes=900-5000", 1000));
    assertEquals(new StaticFiles.ByteRange(10, 999), StaticFiles.range("Bytes=10-", 1000));
    assertEquals(new StaticFiles.ByteRange(990, 999), StaticFiles.range("bytes=-10", 1000));
    assertEquals(new StaticFiles.ByteRange(0, 999), StaticFiles.range("bytes=-5000", 1000));
    assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.range("bytes=1000-", 1000));
    assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.range("bytes=-0", 1000));
    assertSame(StaticFiles.UNSATISFIABLE, StaticFiles.range("bytes=0-", 0));
    // Ignored (the whole file is sent): other units, several ranges, malformed values.
    assertNull(StaticFiles.range("items=0-9", 1000));
    assertNull(StaticFiles.range("bytes=0-9,20-29", 1000));
    assertNull(StaticFiles.range("bytes=9-0", 1000));
    assertNull(StaticFiles.range("bytes=a-b", 1000));
    assertNull(StaticFiles.range("bytes=5", 1000));
    assertNull(StaticFiles.range("bytes=-", 1000));
    assertNull(StaticFiles.range("bytes=99999999999999999999-", 1000));
  }

  @Test
  void ifRangeHoldsOnlyForTheSameStrongTag() {
    assertTrue(StaticFiles.ifRangeHolds(null, "\"a\""));
    assertTrue(StaticFiles.ifRangeHolds(" \"a\" ", "\"a\""));
    assertFalse(StaticFiles.ifRangeHolds("W/\"a\"", "\"a\""));
    assertFalse(StaticFiles.ifRangeHolds("Fri, 27 Nov 2026 10:00:00 GMT", "\"a\""));
  }
}
