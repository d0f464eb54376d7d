package dev.tako.protocol.secrets;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.tako.protocol.Json;
import dev.tako.protocol.crypto.SecretBox;
import dev.tako.protocol.crypto.SecretException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code .tako/secrets.json} of an app: per environment, per name, a value sealed with that
 * environment's key (associated data {@code app/env/NAME}). Holds no plaintext, so it is safe to
 * commit. Values are decrypted only to be sent through the SSH tunnel to the nodes.
 */
public final class SecretsFile {
  private final Path file;
  private final String app;
  private final Map<String, Map<String, SecretBox.Sealed>> envs;

  private SecretsFile(Path file, String app, Map<String, Map<String, SecretBox.Sealed>> envs) {
    this.file = file;
    this.app = app;
    this.envs = envs;
  }

  public static SecretsFile load(Path projectDir, String app) throws IOException {
    Path file = projectDir.resolve(".tako").resolve("secrets.json");
    Map<String, Map<String, SecretBox.Sealed>> envs = new TreeMap<>();
    if (Files.exists(file)) {
      try {
        Map<String, Map<String, SecretBox.Sealed>> read =
            Json.lenient()
                .readValue(
                    file.toFile(),
                    new TypeReference<Map<String, Map<String, SecretBox.Sealed>>>() {});
        read.forEach((env, values) -> envs.put(env, new TreeMap<>(values)));
      } catch (IOException e) {
        throw new IOException(file + " is not a valid secrets file: " + e.getMessage(), e);
      }
    }
    return new SecretsFile(file, app, envs);
  }

  private static String associated(String app, String env, String name) {
    return app + "/" + env + "/" + name;
  }

  public void set(String env, String name, String value, byte[] key) {
    SecretBox.Sealed sealed =
        new SecretBox(key).seal(value.getBytes(StandardCharsets.UTF_8), associated(app, env, name));
    envs.computeIfAbsent(env, e -> new TreeMap<>()).put(name, sealed);
  }

  public boolean remove(String env, String name) {
    Map<String, SecretBox.Sealed> values = envs.get(env);
    if (values == null || values.remove(name) == null) {
      return false;
    }
    if (values.isEmpty()) {
      envs.remove(env);
    }
    return true;
  }

  /** name → environments that have it. */
  public Map<String, java.util.List<String>> names() {
    Map<String, java.util.List<String>> out = new TreeMap<>();
    envs.forEach(
        (env, values) ->
            values
                .keySet()
                .forEach(n -> out.computeIfAbsent(n, x -> new java.util.ArrayList<>()).add(env)));
    return out;
  }

  public boolean has(String env) {
    return envs.containsKey(env) && !envs.get(env).isEmpty();
  }

  /** The plaintext values of an environment (for the tunnel to the nodes only). */
  public Map<String, String> decrypt(String env, byte[] key) throws SecretException {
    Map<String, String> out = new TreeMap<>();
    SecretBox box = new SecretBox(key);
    for (var e : envs.getOrDefault(env, Map.of()).entrySet()) {
      out.put(
          e.getKey(),
          new String(
              box.open(e.getValue(), associated(app, env, e.getKey())), StandardCharsets.UTF_8));
    }
    return out;
  }

  /**
   * Identifies an environment's set of values without revealing them: HMAC-SHA256 under the
   * environment's key over the sorted names and values.
   */
  public static String digest(Map<String, String> values, byte[] key) {
    try {
      javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
      mac.init(new javax.crypto.spec.SecretKeySpec(key, "HmacSHA256"));
      new TreeMap<>(values)
          .forEach(
              (k, v) -> {
                mac.update(
                    (k.length() + ":" + k + v.length() + ":").getBytes(StandardCharsets.UTF_8));
                mac.update(v.getBytes(StandardCharsets.UTF_8));
              });
      return java.util.HexFormat.of().formatHex(mac.doFinal());
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  public void save() throws IOException {
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("secrets.json.tmp");
    Files.writeString(
        tmp, Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(envs) + "\n");
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
