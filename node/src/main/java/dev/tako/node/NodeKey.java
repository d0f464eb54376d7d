package dev.tako.node;

import dev.tako.protocol.crypto.SecretBox;
import dev.tako.protocol.crypto.SecretException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node's own key ({@code <home>/node.key}, 0600, made at first start) under which app secrets
 * are sealed (AES-256-GCM) in the journal. Values are opened only to start a process. The digest of
 * a secret set is keyed too, so the journal reveals nothing about the values.
 */
public final class NodeKey {
  private final byte[] key;
  private final SecretBox box;

  private NodeKey(byte[] key) {
    this.key = key;
    this.box = new SecretBox(key);
  }

  public static NodeKey loadOrCreate(Path home) throws IOException {
    byte[] key = HexFormat.of().parseHex(OwnerOnlyFile.readOrCreate(home.resolve("node.key")));
    if (key.length != 32) {
      throw new IOException(home.resolve("node.key") + " is not a node key (32 bytes, hex)");
    }
    return new NodeKey(key);
  }

  private static String associated(String app, String env, String name) {
    return app + "/" + env + "/" + name;
  }

  public Map<String, SecretBox.Sealed> seal(String app, String env, Map<String, String> values) {
    Map<String, SecretBox.Sealed> out = new TreeMap<>();
    values.forEach(
        (name, value) ->
            out.put(
                name,
                box.seal(value.getBytes(StandardCharsets.UTF_8), associated(app, env, name))));
    return out;
  }

  public Map<String, String> open(String app, String env, Map<String, SecretBox.Sealed> sealed)
      throws SecretException {
    Map<String, String> out = new TreeMap<>();
    for (var e : sealed.entrySet()) {
      out.put(
          e.getKey(),
          new String(
              box.open(e.getValue(), associated(app, env, e.getKey())), StandardCharsets.UTF_8));
    }
    return out;
  }

  /** An HMAC-like digest of a secret set: equal sets give equal digests, values stay hidden. */
  public String digest(String app, String env, Map<String, String> values) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update(key);
      sha.update((app + "/" + env + "\0").getBytes(StandardCharsets.UTF_8));
      new TreeMap<>(values)
          .forEach(
              (k, v) -> {
                sha.update(
                    (k.length() + ":" + k + v.length() + ":").getBytes(StandardCharsets.UTF_8));
                sha.update(v.getBytes(StandardCharsets.UTF_8));
              });
      sha.update(key);
      return HexFormat.of().formatHex(sha.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
