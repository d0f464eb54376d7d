package dev.tako.cli.ssh;

import dev.tako.protocol.tls.PemFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;

/**
 * Key material in the formats both ends understand: RSA key pairs, private keys as unencrypted
 * PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, readable by SSHJ, Apache MINA SSHD and OpenSSH),
 * public keys as OpenSSH {@code authorized_keys} and {@code known_hosts} lines, and OpenSSH-style
 * SHA-256 fingerprints. Unreadable or malformed files fail with an {@link IOException} naming the
 * file.
 */
public final class KeyFiles {

  private static final Pattern PKCS8_PEM =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private KeyFiles() {}

  /** A fresh RSA-3072 key pair (3072 bits: the size OpenSSH's ssh-keygen picks for RSA). */
  public static KeyPair generateRsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(3072);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no RSA key generator", e);
    }
  }

  /** The private key as PKCS#8 PEM text. */
  public static String pkcs8Pem(PrivateKey key) {
    return PemFiles.pkcs8Pem(key);
  }

  /** PEM armour with 64-column Base64, as OpenSSL writes it. */
  public static String pem(String label, byte[] der) {
    return PemFiles.pem(label, der);
  }

  /** Writes the private key as PKCS#8 PEM, 0600, replaced atomically. */
  public static void writePrivateKey(Path file, PrivateKey key) throws IOException {
    PemFiles.writePrivateKey(file, key);
  }

  /** Writes bytes to a file created 0600 (via a temporary sibling, then an atomic rename). */
  public static void writeSecret(Path file, byte[] content) throws IOException {
    PemFiles.writeSecret(file, content);
  }

  /**
   * Reads an unencrypted PKCS#8 PEM RSA private key and derives its public key from the CRT
   * parameters, so one file is enough to hold a key pair.
   */
  public static KeyPair readPkcs8(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher m = PKCS8_PEM.matcher(text);
    if (!m.find()) {
      throw new IOException(
          file + " is not an unencrypted PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)");
    }
    byte[] der = Base64.getMimeDecoder().decode(m.group(1));
    try {
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      PrivateKey privateKey = rsa.generatePrivate(new PKCS8EncodedKeySpec(der));
      if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
        throw new IOException(
            file + " holds an RSA key without CRT parameters; cannot derive its public key");
      }
      PublicKey publicKey =
          rsa.generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
      return new KeyPair(publicKey, privateKey);
    } catch (GeneralSecurityException e) {
      throw new IOException(file + " is not a valid RSA private key: " + e.getMessage(), e);
    }
  }

  /**
   * The key in the SSH wire encoding (RFC 4253 §6.6), as authorized_keys and known_hosts hold it.
   */
  public static byte[] sshWireEncoding(PublicKey key) {
    return new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
  }

  /** The OpenSSH key type name, such as {@code ssh-rsa} or {@code ssh-ed25519}. */
  public static String sshKeyType(PublicKey key) {
    KeyType type = KeyType.fromKey(key);
    if (type == KeyType.UNKNOWN) {
      throw new IllegalArgumentException("unsupported public key type " + key.getAlgorithm());
    }
    return type.toString();
  }

  /** {@code ssh-rsa AAAA… comment}: one line of an authorized_keys (or .pub) file. */
  public static String authorizedKeyLine(PublicKey key, String comment) {
    String line = sshKeyType(key) + " " + Base64.getEncoder().encodeToString(sshWireEncoding(key));
    return comment == null || comment.isBlank() ? line : line + " " + comment.strip();
  }

  /**
   * One known_hosts line: {@code host type base64} for port 22, {@code [host]:port type base64}
   * otherwise (the form OpenSSH and SSHJ look up).
   */
  public static String knownHostsLine(String host, int port, PublicKey key) {
    String h = host.toLowerCase(java.util.Locale.ROOT);
    String hostPart = port == 22 ? h : "[" + h + "]:" + port;
    return hostPart + " " + authorizedKeyLine(key, null);
  }

  /**
   * {@code SHA256:…}, the fingerprint OpenSSH prints (unpadded Base64 of the wire encoding's hash).
   */
  public static String sha256Fingerprint(PublicKey key) {
    return sha256Fingerprint(sshWireEncoding(key));
  }

  /** The OpenSSH SHA-256 fingerprint of a key given in its SSH wire encoding. */
  public static String sha256Fingerprint(byte[] wireEncoding) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(wireEncoding);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
