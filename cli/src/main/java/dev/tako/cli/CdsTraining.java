package dev.tako.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The training run of the CLI's class data sharing archive, made at packaging time ({@code
 * TAKO_CLI_CDS_TRAIN=1 bin/tako} runs this instead of {@link Main}, with {@code
 * -XX:ArchiveClassesAtExit=lib/tako.jsa}). Every later {@code tako} maps the classes it loaded
 * instead of reading, parsing and verifying them from the jars: the bare start and, above all, the
 * SSH, BouncyCastle and Jackson classes of every remote command.
 *
 * <p>No network and no state: it parses a few command lines (picocli's model of every command) and
 * loads, without initialising, the classes listed in {@code cds-classes.txt}: those a real {@code
 * tako status} loaded. A name that no longer exists is skipped, so a stale list only makes the
 * archive less complete. Regenerate the list after large dependency changes: run {@code tako
 * status} against a playground with {@code TAKO_CLI_JAVA_OPTS=-Xlog:class+load=info:file=cl.txt}
 * and keep the names whose source is a jar or {@code jrt:/} (not the shared archive, no hidden
 * classes).
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    System.setOut(new PrintStream(OutputStream.nullOutputStream()));
    try {
      Main.run("--version");
      Main.run("status", "--help");
      Main.run("deploy", "--help");
    } finally {
      System.setOut(out);
    }
    ClassLoader loader = CdsTraining.class.getClassLoader();
    int loaded = 0;
    int skipped = 0;
    try (InputStream in = CdsTraining.class.getResourceAsStream("cds-classes.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        try {
          Class.forName(line.trim(), false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError e) {
          skipped++; // gone from this version of a dependency or of the JDK
        }
      }
    }
    System.out.println("cds training: " + loaded + " classes loaded, " + skipped + " skipped");
  }
}
