package dev.tako.node.dev;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWatchTest {
  @TempDir Path dir;

  @Test
  void aContentChangeCountsOnceItHeldStillForOnePoll() throws Exception {
    Path toml = Files.writeString(dir.resolve("tako.toml"), "name = \"a\"\n");
    Path secrets = dir.resolve(".tako/secrets.json");
    FileWatch watch = new FileWatch(List.of(toml, secrets));
    assertFalse(watch.changed());

    Files.writeString(toml, "name = \"b\"\n");
    assertFalse(watch.changed(), "just written: maybe half a save");
    assertTrue(watch.changed(), "held still: a change");
    assertFalse(watch.changed(), "reported once");

    // A save in two steps (truncate, then write) is one change, with the final content.
    Files.writeString(toml, "");
    assertFalse(watch.changed());
    Files.writeString(toml, "name = \"c\"\n");
    assertFalse(watch.changed());
    assertTrue(watch.changed());
  }

  @Test
  void touchingIsNoChangeButAFileAppearingIs() throws Exception {
    Path toml = Files.writeString(dir.resolve("tako.toml"), "name = \"a\"\n");
    Path secrets = dir.resolve(".tako/secrets.json");
    FileWatch watch = new FileWatch(List.of(toml, secrets));
    Files.setLastModifiedTime(toml, FileTime.fromMillis(System.currentTimeMillis() + 5000));
    assertFalse(watch.changed());
    assertFalse(watch.changed());

    Files.createDirectories(secrets.getParent());
    Files.writeString(secrets, "{}");
    watch.changed();
    assertTrue(watch.changed());
    Files.delete(secrets);
    watch.changed();
    assertTrue(watch.changed(), "a removed file is a change too");
  }
}
