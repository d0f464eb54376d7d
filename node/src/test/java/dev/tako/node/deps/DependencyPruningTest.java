package dev.tako.node.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DependencyPruningTest {
  @TempDir Path appEnv;

  private Path install(String key, Duration age) throws Exception {
    Path dir = Files.createDirectories(appEnv.resolve("deps").resolve(key).resolve("node_modules"));
    Files.writeString(dir.resolve("x.js"), "");
    Path keyDir = dir.getParent();
    Files.setLastModifiedTime(
        keyDir, FileTime.fromMillis(System.currentTimeMillis() - age.toMillis()));
    return keyDir;
  }

  private void release(String id, Path install) throws Exception {
    Path r = Files.createDirectories(appEnv.resolve("releases").resolve(id));
    Files.createSymbolicLink(r.resolve("node_modules"), install.resolve("node_modules"));
  }

  @Test
  void installsGoWithTheirLastRelease() throws Exception {
    Path used = install("aaa", Duration.ofDays(2));
    Path unused = install("bbb", Duration.ofDays(2));
    Path fresh = install("ccc", Duration.ofMinutes(1));
    Path abandoned = install(".tmp-ddd-1", Duration.ofDays(2));
    Path installing = install(".tmp-eee-2", Duration.ofMinutes(1));
    release("r1", used);
    release("r2", used);

    List<String> gone =
        DependencyPruning.prune(
            appEnv.resolve("releases"), appEnv.resolve("deps"), Duration.ofHours(1));

    assertEquals(List.of(".tmp-ddd-1", "bbb"), gone.stream().sorted().toList());
    assertTrue(Files.isDirectory(used.resolve("node_modules")));
    assertFalse(Files.exists(unused));
    assertFalse(Files.exists(abandoned));
    assertTrue(Files.exists(fresh), "may belong to a deploy that has not linked it yet");
    assertTrue(Files.exists(installing));
  }

  @Test
  void noDepsDirectoryIsNothingToDo() throws Exception {
    assertEquals(
        List.of(),
        DependencyPruning.prune(
            appEnv.resolve("releases"), appEnv.resolve("deps"), Duration.ofHours(1)));
  }
}
