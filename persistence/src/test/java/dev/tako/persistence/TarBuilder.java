package dev.tako.persistence;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/** Builds .tar.gz artifacts in tests, including hostile ones. */
final class TarBuilder {

  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final TarArchiveOutputStream tar;

  TarBuilder() {
    try {
      tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
  }

  TarBuilder dir(String name) {
    return put(new TarArchiveEntry(name.endsWith("/") ? name : name + "/"), new byte[0]);
  }

  TarBuilder file(String name, String content, int mode) {
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    entry.setSize(data.length);
    entry.setMode(mode);
    return put(entry, data);
  }

  TarBuilder symlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
    entry.setLinkName(target);
    return put(entry, new byte[0]);
  }

  TarBuilder hardlink(String name, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, TarArchiveEntry.LF_LINK, true);
    entry.setLinkName(target);
    return put(entry, new byte[0]);
  }

  private TarBuilder put(TarArchiveEntry entry, byte[] data) {
    try {
      tar.putArchiveEntry(entry);
      tar.write(data);
      tar.closeArchiveEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** Writes the archive as {@code <home>/artifacts/<sha>.tar.gz} and returns the sha. */
  String storeIn(Path home) throws IOException {
    tar.close();
    byte[] data = bytes.toByteArray();
    String sha = sha256(data);
    Path file = home.resolve("artifacts").resolve(sha + ".tar.gz");
    Files.createDirectories(file.getParent());
    Files.write(file, data);
    return sha;
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
