package dev.tako.cli.commands;

import dev.tako.cli.AppContext;
import dev.tako.cli.CliException;
import dev.tako.cli.Deployer;
import dev.tako.cli.NodeClient;
import dev.tako.cli.Output;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.SecretsRequest;
import dev.tako.protocol.crypto.SecretException;
import dev.tako.protocol.secrets.SecretKeys;
import dev.tako.protocol.secrets.SecretsFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code tako secrets}: values encrypted (AES-256-GCM) in {@code .tako/secrets.json} under a key
 * per app and environment kept in {@code $TAKO_HOME/keys} (SPEC §7). No value is ever printed.
 */
@Command(
    name = "secrets",
    mixinStandardHelpOptions = true,
    description =
        "Manage the app's secrets (encrypted; given to the app as environment variables).",
    subcommands = {
      SecretsCommand.Set.class,
      SecretsCommand.Rm.class,
      SecretsCommand.Ls.class,
      SecretsCommand.Sync.class,
      SecretsCommand.Key.class
    })
public final class SecretsCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final String NAME_PATTERN = "[A-Za-z_][A-Za-z0-9_]*";

  static SecretKeys keys() {
    return new SecretKeys(TakoHome.fromEnvironment().keys());
  }

  static Path projectDir(AppOptions app) {
    return app.config.toAbsolutePath().getParent();
  }

  static SecretsFile file(AppOptions app, String name) {
    try {
      return SecretsFile.load(projectDir(app), name);
    } catch (IOException e) {
      throw CliException.usage(e.getMessage());
    }
  }

  static void checkName(String name) {
    if (!name.matches(NAME_PATTERN)
        || name.equals("PORT")
        || name.equals("HOST")
        || name.startsWith("TAKO_")) {
      throw CliException.usage(
          "NAME \""
              + name
              + "\" is not allowed: letters, digits and _, not starting with a digit;"
              + " PORT, HOST and TAKO_* are set by tako");
    }
  }

  /** Pushes the environment's secrets to its servers and restarts the app with them. */
  static int sync(AppContext ctx, SecretsFile file, Output out) {
    Map<String, String> values;
    String digest;
    try {
      byte[] key = keys().loadOrCreate(ctx.config().name(), ctx.envName());
      values = file.has(ctx.envName()) ? file.decrypt(ctx.envName(), key) : Map.of();
      digest = SecretsFile.digest(values, key);
    } catch (IOException | SecretException e) {
      throw CliException.failed(e.getMessage());
    }
    DeployResult result;
    try (NodeClient c = ctx.connect(out)) {
      out.progress(
          "syncing " + values.size() + " secret(s) to " + String.join(", ", ctx.env().servers()));
      result =
          c.rollout(
              "/v1/secrets",
              new SecretsRequest(
                  ctx.config().name(),
                  ctx.envName(),
                  values,
                  ctx.env().servers(),
                  Deployer.who(),
                  true,
                  digest),
              Duration.ofMinutes(16),
              Deployer::progress);
    }
    return Deployer.report(result, out, ctx.config().name());
  }

  @Command(
      name = "set",
      mixinStandardHelpOptions = true,
      description =
          "Set a secret; the value is read from a hidden prompt on a terminal, else from stdin.")
  static final class Set implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin AppOptions app;

    @Option(
        names = "--sync",
        description = "Push the secrets to the servers and restart the app with them.")
    boolean sync;

    @Override
    public Integer call() throws IOException {
      checkName(name);
      AppContext ctx = sync ? app.load() : null;
      String appName = ctx != null ? ctx.config().name() : Deployer.loadConfig(app.config).name();
      String value = readValue(name);
      SecretsFile file = file(app, appName);
      file.set(app.env, name, value, keys().loadOrCreate(appName, app.env));
      file.save();
      System.err.println("set " + name + " for " + appName + " (" + app.env + ")");
      return sync ? sync(ctx, file, new Output(false)) : 0;
    }
  }

  static String readValue(String name) throws IOException {
    if (System.console() != null) {
      char[] v = System.console().readPassword("value of %s: ", name);
      if (v == null || v.length == 0) {
        throw CliException.usage("no value given for " + name);
      }
      return new String(v);
    }
    InputStream in = System.in;
    String v = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    if (v.endsWith("\n")) {
      v = v.substring(0, v.length() - 1);
    }
    if (v.isEmpty()) {
      throw CliException.usage(
          "no value for "
              + name
              + " on stdin (e.g. echo -n VALUE | tako secrets set "
              + name
              + ")");
    }
    return v;
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove a secret.")
  static final class Rm implements Callable<Integer> {
    @Parameters(paramLabel = "NAME")
    String name;

    @Mixin AppOptions app;

    @Option(
        names = "--sync",
        description = "Push the secrets to the servers and restart the app without it.")
    boolean sync;

    @Override
    public Integer call() throws IOException {
      AppContext ctx = sync ? app.load() : null;
      String appName = ctx != null ? ctx.config().name() : Deployer.loadConfig(app.config).name();
      SecretsFile file = file(app, appName);
      if (!file.remove(app.env, name)) {
        throw CliException.usage(
            "no secret " + name + " in " + app.env + " (see: tako secrets ls)");
      }
      file.save();
      System.err.println("removed " + name + " from " + appName + " (" + app.env + ")");
      return sync ? sync(ctx, file, new Output(false)) : 0;
    }
  }

  @Command(
      name = "ls",
      mixinStandardHelpOptions = true,
      description = "List secret names and their environments (never values).")
  static final class Ls implements Callable<Integer> {
    @Mixin AppOptions app;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Override
    public Integer call() {
      Output out = new Output(json);
      String appName = Deployer.loadConfig(app.config).name();
      Map<String, List<String>> names = file(app, appName).names();
      List<Map<String, Object>> list = new java.util.ArrayList<>();
      names.forEach(
          (n, envs) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", n);
            m.put("envs", envs);
            list.add(m);
          });
      out.result(Map.of("secrets", list));
      if (names.isEmpty()) {
        out.line("no secrets (set one with: tako secrets set NAME)");
      }
      names.forEach((n, envs) -> out.line(String.format("%-30s %s", n, String.join(", ", envs))));
      return 0;
    }
  }

  @Command(
      name = "sync",
      mixinStandardHelpOptions = true,
      description =
          "Push the environment's secrets to its servers and restart the app with them (zero downtime).")
  static final class Sync implements Callable<Integer> {
    @Mixin AppOptions app;

    @Override
    public Integer call() {
      AppContext ctx = app.load();
      return sync(ctx, file(app, ctx.config().name()), new Output(false));
    }
  }

  @Command(
      name = "key",
      mixinStandardHelpOptions = true,
      description = "Move an environment's key to a teammate.",
      subcommands = {KeyExport.class, KeyImport.class})
  static final class Key implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      spec.commandLine().usage(System.out);
    }
  }

  static char[] passphrase(boolean twice) {
    if (System.console() != null) {
      char[] p = System.console().readPassword("passphrase: ");
      if (twice) {
        char[] again = System.console().readPassword("passphrase again: ");
        if (!java.util.Arrays.equals(p, again)) {
          throw CliException.usage("the passphrases differ");
        }
      }
      if (p == null || p.length < 8) {
        throw CliException.usage("use a passphrase of at least 8 characters");
      }
      return p;
    }
    String env = System.getenv("TAKO_PASSPHRASE");
    if (env == null || env.length() < 8) {
      throw CliException.usage(
          "no terminal to ask for a passphrase: set TAKO_PASSPHRASE (at least 8 characters)");
    }
    return env.toCharArray();
  }

  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "Print the environment's key, protected by a passphrase.")
  static final class KeyExport implements Callable<Integer> {
    @Mixin AppOptions app;

    @Override
    public Integer call() throws IOException {
      String appName = Deployer.loadConfig(app.config).name();
      byte[] key = keys().load(appName, app.env);
      System.out.println(SecretKeys.export(key, passphrase(true), appName, app.env));
      System.err.println(
          "give this line and the passphrase to your teammate: tako secrets key import");
      return 0;
    }
  }

  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = "Import a key exported by a teammate (the line on stdin or at the prompt).")
  static final class KeyImport implements Callable<Integer> {
    @Mixin AppOptions app;

    @Option(names = "--force", description = "Replace an existing key.")
    boolean force;

    @Override
    public Integer call() throws IOException {
      String appName = Deployer.loadConfig(app.config).name();
      SecretKeys keys = keys();
      if (keys.exists(appName, app.env) && !force) {
        throw CliException.usage(
            "a key for " + appName + " (" + app.env + ") exists already; --force replaces it");
      }
      String line =
          System.console() != null
              ? System.console().readLine("key line: ")
              : new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      try {
        keys.write(
            appName, app.env, SecretKeys.importKey(line, passphrase(false), appName, app.env));
      } catch (SecretException e) {
        throw CliException.failed(e.getMessage());
      }
      System.err.println("imported the key of " + appName + " (" + app.env + ")");
      return 0;
    }
  }
}
