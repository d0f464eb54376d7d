package dev.tako.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.Version;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged launcher ({@code src/dist/bin/tako}) on a distribution laid out as the build lays it
 * out (bin/, lib/ with the CLI's jars): its training mode writes the class data sharing archive
 * lib/tako.jsa, a normal run maps it and writes nothing into the distribution, and a missing or
 * unusable archive changes nothing the user sees (no warning on stderr).
 */
class LauncherTest {
  @TempDir static Path dist;
  @TempDir static Path work;

  record Run(int code, String out, String err) {}

  @BeforeAll
  static void layOut() throws IOException {
    Path bin = Files.createDirectories(dist.resolve("bin"));
    Path lib = Files.createDirectories(dist.resolve("lib"));
    Files.copy(Path.of("src/dist/bin/tako"), bin.resolve("tako"));
    String cp =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    int n = 0;
    for (String entry : cp.split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (entry.isBlank() || p.endsWith("test-classes") || !Files.exists(p)) {
        continue;
      }
      Path to = lib.resolve(String.format("%02d-%s.jar", n++, p.getFileName()));
      if (Files.isDirectory(p)) {
        jar(p, to);
      } else {
        Files.copy(p, to, StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  private static void jar(Path dir, Path to) throws IOException {
    try (OutputStream os = Files.newOutputStream(to);
        JarOutputStream jar = new JarOutputStream(os);
        Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        jar.putNextEntry(
            new JarEntry(dir.relativize(f).toString().replace(File.separatorChar, '/')));
        jar.write(Files.readAllBytes(f));
        jar.closeEntry();
      }
    }
  }

  private static Run launch(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", dist.resolve("bin/tako").toString()));
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile(work, "out", ".txt");
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile());
    pb.environment().remove("TAKO_CLI_JAVA_OPTS");
    pb.environment().remove("TAKO_CLI_CDS_TRAIN");
    pb.environment().put("TAKO_HOME", work.resolve("home").toString());
    pb.environment().putAll(env);
    Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    assertTrue(p.waitFor(180, TimeUnit.SECONDS), "tako " + String.join(" ", args) + " ended");
    return new Run(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static List<String> listing() throws IOException {
    try (Stream<Path> files = Files.walk(dist)) {
      return files.map(f -> dist.relativize(f) + " " + f.toFile().lastModified()).sorted().toList();
    }
  }

  private static void assertPlainVersion(Run r) {
    assertEquals(0, r.code(), r.err());
    assertEquals("tako " + Version.VALUE + "\n", r.out());
    assertEquals("", r.err(), "nothing on stderr");
  }

  @Test
  void trainingWritesAnArchiveThatEveryRunMapsWithoutWritingIntoTheDistribution() throws Exception {
    Path jsa = dist.resolve("lib/tako.jsa");
    Files.deleteIfExists(jsa);
    Run training = launch(Map.of("TAKO_CLI_CDS_TRAIN", "1"));
    assertEquals(0, training.code(), training.out() + training.err());
    assertTrue(training.out().startsWith("cds training: "), training.out());
    assertTrue(!training.out().contains("failed"), training.out());
    assertTrue(Files.size(jsa) > 1_000_000, "archive of " + Files.size(jsa) + " bytes");

    List<String> before = listing();
    assertPlainVersion(launch(Map.of(), "--version"));
    Path log = work.resolve("class-load.txt");
    Run logged =
        launch(Map.of("TAKO_CLI_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), "--version");
    assertPlainVersion(logged);
    assertTrue(
        Files.readString(log).contains("dev.tako.cli.Main source: shared objects file (top)"),
        "Main comes from the archive");
    // A command that reads the inventory (TOML through Jackson) finds Jackson in the archive too.
    Files.createDirectories(work.resolve("home"));
    Files.writeString(work.resolve("home/config.toml"), "# no servers\n");
    Run ls =
        launch(Map.of("TAKO_CLI_JAVA_OPTS", "-Xlog:class+load=info:file=" + log), "servers", "ls");
    assertEquals(0, ls.code(), ls.err());
    assertEquals("", ls.err());
    assertTrue(
        Files.readString(log)
            .contains(
                "com.fasterxml.jackson.databind.ObjectMapper source: shared objects file (top)"),
        "the training archived Jackson");
    assertEquals(before, listing(), "a run writes nothing into the distribution");
  }

  @Test
  void withoutTheArchiveTheLauncherWorksAndSaysNothing() throws Exception {
    Path lib = Files.createDirectories(work.resolve("moved"));
    Path jsa = dist.resolve("lib/tako.jsa");
    Path kept = lib.resolve("tako.jsa");
    boolean had = Files.exists(jsa);
    if (had) {
      Files.move(jsa, kept);
    }
    try {
      assertPlainVersion(launch(Map.of(), "--version"));
    } finally {
      if (had) {
        Files.move(kept, jsa);
      }
    }
  }

  @Test
  void anArchiveOfAnotherClasspathIsIgnoredSilently() throws Exception {
    Path jsa = dist.resolve("lib/tako.jsa");
    Path kept = work.resolve("kept.jsa");
    boolean had = Files.exists(jsa);
    if (had) {
      Files.move(jsa, kept);
    }
    try {
      // As after the distribution was moved, or its jars changed: the JVM would warn on stderr.
      List<String> jars;
      try (Stream<Path> files = Files.list(dist.resolve("lib"))) {
        jars = files.map(Path::toString).filter(f -> f.endsWith(".jar")).sorted().toList();
      }
      List<String> reversed = new ArrayList<>(jars);
      java.util.Collections.reverse(reversed);
      Process dump =
          new ProcessBuilder(
                  "java",
                  "-XX:ArchiveClassesAtExit=" + jsa,
                  "-Xlog:cds=off",
                  "-Xlog:cds+dynamic=off",
                  "-cp",
                  String.join(File.pathSeparator, reversed),
                  Main.class.getName(),
                  "--version")
              .redirectErrorStream(true)
              .redirectOutput(work.resolve("dump.txt").toFile())
              .start();
      assertTrue(dump.waitFor(60, TimeUnit.SECONDS));
      assertTrue(Files.size(jsa) > 0, "an archive for the reversed classpath");
      assertPlainVersion(launch(Map.of(), "--version"));
      Files.writeString(jsa, "not a class data sharing archive".repeat(1000));
      assertPlainVersion(launch(Map.of(), "--version"));
    } finally {
      Files.deleteIfExists(jsa);
      if (had) {
        Files.move(kept, jsa);
      }
    }
  }
}
