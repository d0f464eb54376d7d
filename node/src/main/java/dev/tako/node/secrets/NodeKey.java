package dev.tako.node.secrets;

import dev.tako.node.OwnerOnlyFile;
import dev.tako.protocol.crypto.SecretBox;
import dev.tako.protocol.crypto.SecretException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
}
