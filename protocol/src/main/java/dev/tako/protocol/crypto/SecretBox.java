package dev.tako.protocol.crypto;

import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM sealing of small values: a fresh 96-bit nonce per value, the 128-bit tag, and
 * associated data that binds a ciphertext to where it belongs (app, env, name), so a value cannot
 * be moved to another name or app unnoticed. Fails with {@link SecretException} on a wrong key or
 * tampered data.
 */
public final class SecretBox {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;

  private final SecretKey key;

  public SecretBox(byte[] key) {
    if (key.length != 32) {
      throw new IllegalArgumentException("an AES-256 key has 32 bytes, not " + key.length);
    }
    this.key = new SecretKeySpec(key, "AES");
  }

  public static byte[] newKey() {
    byte[] k = new byte[32];
    RANDOM.nextBytes(k);
    return k;
  }

  /** A sealed value: base64 nonce and base64 ciphertext+tag. */
  public record Sealed(String nonce, String ct) implements dev.tako.protocol.CborSerializable {}

  public Sealed seal(byte[] plaintext, String associated) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(associated.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return new Sealed(
          Base64.getEncoder().encodeToString(nonce),
          Base64.getEncoder().encodeToString(c.doFinal(plaintext)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  public byte[] open(Sealed sealed, String associated) throws SecretException {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(
          Cipher.DECRYPT_MODE,
          key,
          new GCMParameterSpec(TAG_BITS, Base64.getDecoder().decode(sealed.nonce())));
      c.updateAAD(associated.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return c.doFinal(Base64.getDecoder().decode(sealed.ct()));
    } catch (AEADBadTagException e) {
      throw new SecretException(
          "cannot decrypt " + associated + ": wrong key or the value was altered");
    } catch (IllegalArgumentException e) {
      throw new SecretException("cannot decrypt " + associated + ": not valid base64");
    } catch (GeneralSecurityException e) {
      throw new SecretException("cannot decrypt " + associated + ": " + e.getMessage());
    }
  }
}
