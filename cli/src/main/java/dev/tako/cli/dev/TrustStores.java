package dev.tako.cli.dev;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code tako dev trust}: adds the dev CA's certificate to the trust stores of this machine and
 * says, for each, what it did and how to undo it.
 *
 * <ul>
 *   <li>The system store (Debian and Ubuntu): the certificate copied to {@code
 *       /usr/local/share/ca-certificates/tako-dev.crt}, then {@code update-ca-certificates} (curl,
 *       wget, Python, Go and most tools read the result). Needs root; without it the commands to
 *       run are printed.
 *   <li>NSS databases (Chromium and Chrome use {@code ~/.pki/nssdb}, Firefox one per profile):
 *       {@code certutil -A -t C,,} with the nickname {@link #NICKNAME}, where the database exists
 *       and {@code certutil} (Debian package {@code libnss3-tools}) is installed.
 *   <li>Node.js reads neither: the step prints {@code NODE_EXTRA_CA_CERTS}.
 * </ul>
 *
 * <p>Where things are is given to the constructor, so tests point it at temporary directories;
 * {@link #forThisMachine()} has the real places. Nothing here throws for a store that cannot be
 * updated: that store's {@link Step} says why and what to do.
 */
public final class TrustStores {
  /** The NSS nickname of the dev CA. */
  public static final String NICKNAME = "Tako dev CA";

  static final String SYSTEM_FILE = "tako-dev.crt";

  /** What happened to one trust store. */
  public record Step(String store, Outcome outcome, String detail, String undo) {}

  /** Whether a store now trusts the CA. */
  public enum Outcome {
    DONE,
    SKIPPED,
    FAILED
  }

  private final Path systemDir;
  private final List<String> systemUpdate;
  private final Path userHome;
  private final String certutil;

  /**
   * @param systemDir where the system's extra CA certificates go
   * @param systemUpdate the command that rebuilds the system store
   * @param userHome whose NSS databases to update
   * @param certutil the certutil program, or null when it is not installed
   */
  public TrustStores(Path systemDir, List<String> systemUpdate, Path userHome, String certutil) {
    this.systemDir = systemDir;
    this.systemUpdate = List.copyOf(systemUpdate);
    this.userHome = userHome;
    this.certutil = certutil;
  }

  /** The real stores: Debian's system store, the user's NSS databases. */
  public static TrustStores forThisMachine() {
    return new TrustStores(
        Path.of("/usr/local/share/ca-certificates"),
        List.of(onPath("update-ca-certificates", "update-ca-certificates")),
        Path.of(System.getProperty("user.home")),
        onPath("certutil", null));
  }

  /** The file {@code tako dev} looks for to stop suggesting {@code tako dev trust}. */
  public static Path marker(Path caCert) {
    return dev.tako.protocol.tls.CaFiles.trustedMarker(caCert);
  }

  /** Adds {@code caCert} to every store found; one step per store, in order. */
  public List<Step> trust(Path caCert) {
    List<Step> steps = new ArrayList<>();
    steps.add(system(caCert));
    steps.addAll(nss(caCert));
    steps.add(
        new Step(
            "Node.js",
            Outcome.SKIPPED,
            "Node.js does not read the stores above; start it with NODE_EXTRA_CA_CERTS=" + caCert,
            "unset NODE_EXTRA_CA_CERTS"));
    if (steps.stream().anyMatch(s -> s.outcome() == Outcome.DONE)) {
      try {
        Files.writeString(marker(caCert), "trusted by tako dev trust\n", StandardCharsets.US_ASCII);
      } catch (IOException e) {
        // only a hint goes missing
      }
    }
    return steps;
  }

  private Step system(Path caCert) {
    Path target = systemDir.resolve(SYSTEM_FILE);
    String undo = "sudo rm " + target + " && sudo " + String.join(" ", systemUpdate) + " --fresh";
    if (!Files.isDirectory(systemDir.getParent() == null ? systemDir : systemDir.getParent())) {
      return new Step(
          "system",
          Outcome.SKIPPED,
          "no "
              + systemDir
              + " on this machine (not Debian or Ubuntu); add "
              + caCert
              + " to the system's trust store by hand",
          "");
    }
    String manual =
        "sudo mkdir -p "
            + systemDir
            + " && sudo cp "
            + caCert
            + " "
            + target
            + " && sudo "
            + String.join(" ", systemUpdate);
    try {
      Files.createDirectories(systemDir);
      Path tmp = systemDir.resolve("." + SYSTEM_FILE + ".tmp");
      Files.copy(caCert, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      return new Step(
          "system",
          Outcome.FAILED,
          "cannot write " + target + " (" + e.getMessage() + "); as root run: " + manual,
          undo);
    }
    Result r = run(systemUpdate);
    if (r.code() != 0) {
      return new Step(
          "system",
          Outcome.FAILED,
          "copied to "
              + target
              + " but "
              + String.join(" ", systemUpdate)
              + " failed: "
              + r.output()
              + "; as root run: "
              + manual,
          undo);
    }
    return new Step("system", Outcome.DONE, "added " + target + " (update-ca-certificates)", undo);
  }

  private List<Step> nss(Path caCert) {
    List<Path> dbs = new ArrayList<>();
    Path chromium = userHome.resolve(".pki").resolve("nssdb");
    if (Files.isDirectory(chromium)) {
      dbs.add(chromium);
    }
    Path firefox = userHome.resolve(".mozilla").resolve("firefox");
    if (Files.isDirectory(firefox)) {
      try (DirectoryStream<Path> profiles = Files.newDirectoryStream(firefox)) {
        for (Path p : profiles) {
          if (Files.exists(p.resolve("cert9.db"))) {
            dbs.add(p);
          }
        }
      } catch (IOException e) {
        // no readable profiles
      }
    }
    List<Step> steps = new ArrayList<>();
    if (dbs.isEmpty()) {
      steps.add(
          new Step(
              "browsers (NSS)",
              Outcome.SKIPPED,
              "no NSS database in "
                  + chromium
                  + " (Chromium makes one on its first start); run tako dev trust again after",
              ""));
      return steps;
    }
    for (Path db : dbs) {
      String where = "sql:" + db;
      String undo = "certutil -d " + where + " -D -n \"" + NICKNAME + "\"";
      if (certutil == null) {
        steps.add(
            new Step(
                "NSS " + db,
                Outcome.FAILED,
                "certutil is not installed (Debian package libnss3-tools); install it and run"
                    + " tako dev trust again",
                undo));
        continue;
      }
      // Replaces an entry of an older dev CA under the same nickname.
      run(List.of(certutil, "-d", where, "-D", "-n", NICKNAME));
      Result r =
          run(
              List.of(
                  certutil,
                  "-d",
                  where,
                  "-A",
                  "-t",
                  "C,,",
                  "-n",
                  NICKNAME,
                  "-i",
                  caCert.toString()));
      steps.add(
          r.code() == 0
              ? new Step("NSS " + db, Outcome.DONE, "added \"" + NICKNAME + "\"", undo)
              : new Step("NSS " + db, Outcome.FAILED, "certutil failed: " + r.output(), undo));
    }
    return steps;
  }

  private record Result(int code, String output) {}

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, command.get(0) + " did not finish in 60 s");
      }
      return new Result(p.exitValue(), out);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  /** The program's path if it is on PATH (or in /usr/sbin, /sbin), else {@code fallback}. */
  static String onPath(String program, String fallback) {
    String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
    for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return Path.of(dir, program).toString();
      }
    }
    return fallback;
  }
}
