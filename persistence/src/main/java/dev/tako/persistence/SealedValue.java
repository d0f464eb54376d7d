package dev.tako.persistence;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.tako.protocol.CborSerializable;
import dev.tako.protocol.crypto.SecretBox;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One secret as the journal keeps it: sealed under the node key, never in clear. The journal's own
 * copy of {@link SecretBox.Sealed} (same property names as the previous layout wrote), so the
 * crypto module's record can change without a journal migration.
 *
 * @param nonce base64 AES-GCM nonce
 * @param ct base64 ciphertext and tag
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SealedValue(@JsonProperty("nonce") String nonce, @JsonProperty("ct") String ct)
    implements CborSerializable {

  public static SealedValue of(SecretBox.Sealed sealed) {
    return new SealedValue(sealed.nonce(), sealed.ct());
  }

  public SecretBox.Sealed toSealed() {
    return new SecretBox.Sealed(nonce, ct);
  }

  /** The journal's copy of a set of sealed values, by name. */
  static Map<String, SealedValue> ofAll(Map<String, SecretBox.Sealed> sealed) {
    Map<String, SealedValue> out = new LinkedHashMap<>();
    if (sealed != null) {
      sealed.forEach((name, value) -> out.put(name, of(value)));
    }
    return Map.copyOf(out);
  }

  /** The sealed values as the node opens them, by name. */
  static Map<String, SecretBox.Sealed> toAll(Map<String, SealedValue> values) {
    Map<String, SecretBox.Sealed> out = new LinkedHashMap<>();
    values.forEach((name, value) -> out.put(name, value.toSealed()));
    return Map.copyOf(out);
  }
}
