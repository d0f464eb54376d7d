package dev.tako.protocol.config;

import static dev.tako.protocol.config.TomlChecks.quote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tako.protocol.deps.PackageManager;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes the first tako.toml for {@code tako init}: detects the runtime from the files in the app
 * directory and produces commented TOML that {@link AppConfigLoader} accepts once servers are
 * named. Owns only the text; writing the file (and refusing to overwrite one) is the CLI's job.
 * Unreadable hints (a broken package.json) fall back to defaults instead of failing.
 */
public final class TakoInit {
  private static final List<String> NODE_ENTRYPOINTS = List.of("server.js", "index.js", "app.js");

  private TakoInit() {}

  /**
   * The tako.toml text for {@code appDir}.
   *
   * @param servers inventory server names for [envs.production]; empty writes {@code servers = []}
   *     with a hint to add one
   */
  public static String initialToml(Path appDir, List<String> servers) {
    String name = appName(appDir);
    Detected d = detect(appDir, name);
    StringBuilder t = new StringBuilder();
    t.append("# tako.toml: how tako builds, runs and routes this app (see SPEC §3).\n");
    t.append("name = ").append(quote(name)).append("  # DNS label: [a-z][a-z0-9-]{0,62}\n");
    t.append("runtime = ")
        .append(quote(d.runtime.tomlName()))
        .append("  # node | bun | go | java | command\n");
    if (d.main != null) {
      t.append("main = ").append(quote(d.main)).append("  # entrypoint for the runtime\n");
    } else if (d.start == null) {
      t.append("# no main: package.json's scripts.start runs the app\n");
    }
    dependencyNote(appDir).ifPresent(n -> t.append("# ").append(n).append('\n'));
    if (d.start != null) {
      t.append("start = ")
          .append(array(d.start))
          .append("  # the process tako starts (no shell); it must listen on $PORT\n");
    }
    t.append("health = \"/\"  # a path that answers 2xx once the app is ready\n");
    t.append("instances = 1  # per server; 0 starts the app on the first request\n");
    t.append(
        "# idle_timeout = \"5m\"  # with instances = 0: stop after this long without requests\n");
    t.append("# release = \"node migrate.js\"  # runs once before traffic switches\n");
    if (d.buildRun != null) {
      t.append("\n[build]\n");
      t.append("run = ").append(quote(d.buildRun)).append("  # runs locally before packing");
      t.append(d.runtime == AppConfig.Runtime.GO ? "; set GOOS/GOARCH for the servers\n" : "\n");
    } else {
      t.append("\n# [build]\n# run = \"npm run build\"  # runs locally before packing\n");
    }
    t.append(
        "# exclude = [\"**/*.map\"]  # .git, .tako, node_modules and .env* are never packed\n");
    t.append(
        "\n[vars]\n# GREETING = \"hi\"  # plain environment variables; secrets go in tako secrets\n");
    t.append("\n[envs.production]\n");
    t.append("routes = [").append(quote(name + ".localhost")).append("]");
    t.append("  # exact host, *.host or host/path/*\n");
    if (servers.isEmpty()) {
      t.append("servers = []  # run: tako servers add NAME --host HOST, then list NAME here\n");
    } else {
      t.append("servers = ").append(array(servers)).append("  # also the rolling deploy order\n");
    }
    t.append("strategy = \"atomic\"  # atomic | rolling\n");
    // The route is a *.localhost name, never a public domain, so there is nothing for ACME to
    // prove.
    t.append("tls = \"off\"  # off | self-signed | acme (with acme_email)\n");
    return t.toString();
  }

  /**
   * The directory name as a DNS label: lower case, other characters as '-', "app" if nothing is
   * left.
   */
  static String appName(Path appDir) {
    Path leaf = appDir.toAbsolutePath().normalize().getFileName();
    String raw = leaf == null ? "" : leaf.toString().toLowerCase(Locale.ROOT);
    String s = raw.replaceAll("[^a-z0-9-]+", "-").replaceAll("-{2,}", "-");
    s = s.replaceAll("^[^a-z]+", "");
    if (s.length() > 63) {
      s = s.substring(0, 63);
    }
    s = s.replaceAll("-+$", "");
    return s.isEmpty() ? "app" : s;
  }

  private record Detected(
      AppConfig.Runtime runtime, String main, List<String> start, String buildRun) {}

  private static Detected detect(Path dir, String name) {
    if (Files.isRegularFile(dir.resolve("package.json"))) {
      boolean bun = Files.exists(dir.resolve("bun.lockb")) || Files.exists(dir.resolve("bun.lock"));
      return new Detected(
          bun ? AppConfig.Runtime.BUN : AppConfig.Runtime.NODE, nodeMain(dir), null, null);
    }
    if (Files.isRegularFile(dir.resolve("go.mod"))) {
      return new Detected(AppConfig.Runtime.GO, name, null, "go build -o " + name + " .");
    }
    List<String> jars = jars(dir);
    if (jars.size() == 1) {
      return new Detected(AppConfig.Runtime.JAVA, jars.get(0), null, null);
    }
    return new Detected(AppConfig.Runtime.COMMAND, null, List.of("./start.sh"), null);
  }

  /** package.json's main, else a usual entrypoint file, else null when scripts.start runs it. */
  private static String nodeMain(Path dir) {
    boolean startScript = false;
    try {
      JsonNode pkg = new ObjectMapper().readTree(dir.resolve("package.json").toFile());
      JsonNode main = pkg == null ? null : pkg.get("main");
      if (main != null && main.isTextual() && !main.textValue().isBlank()) {
        return main.textValue();
      }
      JsonNode start = pkg == null ? null : pkg.path("scripts").path("start");
      startScript = start != null && start.isTextual() && !start.textValue().isBlank();
    } catch (IOException e) {
      // A broken package.json is the user's to fix; init still writes a sensible guess.
    }
    return NODE_ENTRYPOINTS.stream()
        .filter(f -> Files.isRegularFile(dir.resolve(f)))
        .findFirst()
        .orElse(startScript ? null : "index.js");
  }

  /**
   * For an app with package.json: the package manager its lockfile picks and what the servers run,
   * for init to tell the user (SPEC §10); empty for other apps.
   */
  public static java.util.Optional<String> dependencyNote(Path dir) {
    if (!Files.isRegularFile(dir.resolve("package.json"))) {
      return java.util.Optional.empty();
    }
    PackageManager.Choice choice = PackageManager.choose(dir);
    String install = String.join(" ", choice.installCommand());
    return java.util.Optional.of(
        choice.reproducible()
            ? "dependencies: "
                + choice.manager().command()
                + " (found "
                + choice.lockfile()
                + "); each server runs "
                + install
                + " when they change"
            : "dependencies: npm (no lockfile found; installs are not reproducible, commit"
                + " package-lock.json); each server runs "
                + install);
  }

  private static List<String> jars(Path dir) {
    List<String> out = new ArrayList<>();
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.jar")) {
      for (Path p : s) {
        if (Files.isRegularFile(p)) {
          out.add(p.getFileName().toString());
        }
      }
    } catch (IOException e) {
      // An unreadable directory simply detects nothing.
    }
    return out;
  }

  private static String array(List<String> items) {
    return items.stream().map(TomlChecks::quote).collect(Collectors.joining(", ", "[", "]"));
  }
}
