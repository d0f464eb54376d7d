package dev.tako.protocol.secrets;

import dev.tako.protocol.crypto.SecretBox;
import dev.tako.protocol.crypto.SecretException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The per-app-and-environment keys in {@code $TAKO_HOME/keys/<app>.<env>.key} (0600, base64 of 32
 * random bytes), kept outside the project so {@code .tako/secrets.json} is safe to commit. Export
 * wraps a key under a passphrase (PBKDF2-HMAC-SHA256, 600 000 iterations, random salt, then
 * AES-256-GCM) for a teammate to import.
 */
public final class SecretKeys {
  static final int ITERATIONS = 600_000;
  private static final String EXPORT_PREFIX = "tako-key-v1:";

  private final Path dir;

  public SecretKeys(Path dir) {
    this.dir = dir;
  }

  public Path file(String app, String env) {
    return dir.resolve(app + "." + env + ".key");
  }

  public boolean exists(String app, String env) {
    return Files.exists(file(app, env));
  }

  /** The key, created on first use. */
  public byte[] loadOrCreate(String app, String env) throws IOException {
    if (!exists(app, env)) {
      write(app, env, SecretBox.newKey());
    }
    return load(app, env);
  }

  public byte[] load(String app, String env) throws IOException {
    Path f = file(app, env);
    if (!Files.exists(f)) {
      throw new IOException(
          "no key for "
              + app
              + " ("
              + env
              + ") in "
              + dir
              + "; import it from a teammate (tako secrets key export, then tako secrets key import)");
    }
    byte[] key = Base64.getDecoder().decode(Files.readString(f).trim());
    if (key.length != 32) {
      throw new IOException(f + " is not a tako secrets key");
    }
    return key;
  }

  public void write(String app, String env, byte[] key) throws IOException {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path tmp = Files.createTempFile(dir, ".key", ".tmp");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(tmp, Base64.getEncoder().encodeToString(key) + "\n");
    Files.move(
        tmp, file(app, env), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The key wrapped under a passphrase, as one line of text. */
  public static String export(byte[] key, char[] passphrase, String app, String env) {
    byte[] salt = new byte[16];
    new SecureRandom().nextBytes(salt);
    SecretBox box = new SecretBox(derive(passphrase, salt));
    SecretBox.Sealed sealed = box.seal(key, app + "/" + env);
    return EXPORT_PREFIX
        + app
        + ":"
        + env
        + ":"
        + Base64.getEncoder().encodeToString(salt)
        + ":"
        + sealed.nonce()
        + ":"
        + sealed.ct();
  }

  /** The key of an export line; fails clearly on a wrong passphrase or a line for another app. */
  public static byte[] importKey(String line, char[] passphrase, String app, String env)
      throws SecretException {
    String text = line.trim();
    if (!text.startsWith(EXPORT_PREFIX)) {
      throw new SecretException(
          "this is not a tako key export (it starts with " + EXPORT_PREFIX + ")");
    }
    String[] parts = text.substring(EXPORT_PREFIX.length()).split(":");
    if (parts.length != 5) {
      throw new SecretException("the key export is incomplete; copy the whole line");
    }
    if (!parts[0].equals(app) || !parts[1].equals(env)) {
      throw new SecretException(
          "this key is for "
              + parts[0]
              + " ("
              + parts[1]
              + "), not "
              + app
              + " ("
              + env
              + "); use --env or run it in the right app directory");
    }
    byte[] salt = Base64.getDecoder().decode(parts[2]);
    SecretBox box = new SecretBox(derive(passphrase, salt));
    try {
      return box.open(new SecretBox.Sealed(parts[3], parts[4]), app + "/" + env);
    } catch (SecretException e) {
      throw new SecretException("wrong passphrase (or a damaged export); nothing was imported");
    }
  }

  static byte[] derive(char[] passphrase, byte[] salt) {
    try {
      PBEKeySpec spec = new PBEKeySpec(passphrase, salt, ITERATIONS, 256);
      return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("PBKDF2 is not available", e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
