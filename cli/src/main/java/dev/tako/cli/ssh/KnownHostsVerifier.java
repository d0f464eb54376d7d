package dev.tako.cli.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * Checks a server's host key against every known_hosts file of a target (OpenSSH format, hashed and
 * {@code [host]:port} entries included, parsed by SSHJ) and applies the {@link HostKeyPolicy}. It
 * remembers why it refused a key, so {@link Ssh} can turn SSHJ's bare transport error into a
 * message with fingerprints and the file to fix. A known_hosts file that cannot be read fails
 * construction with an {@link IOException} naming it; a new key that cannot be recorded is refused.
 */
final class KnownHostsVerifier implements HostKeyVerifier {

  enum Outcome {
    NOT_ASKED,
    KNOWN,
    RECORDED,
    UNKNOWN,
    CHANGED,
    NOT_RECORDED
  }

  private record KnownHostsFile(Path path, OpenSSHKnownHosts hosts) {}

  private final List<KnownHostsFile> files = new ArrayList<>();
  private final HostKeyPolicy policy;
  private final Path recordTo;

  // written by SSHJ's transport thread, read by the connecting thread after connect() returns
  private volatile Outcome outcome = Outcome.NOT_ASKED;
  private volatile String presentedFingerprint;
  private volatile Path changedIn;
  private volatile List<String> knownFingerprints = List.of();
  private volatile IOException recordFailure;
  private volatile PublicKey accepted;

  KnownHostsVerifier(List<Path> knownHostsFiles, HostKeyPolicy policy, Path recordTo)
      throws IOException {
    this.policy = policy;
    this.recordTo = recordTo;
    Set<Path> all = new LinkedHashSet<>(knownHostsFiles);
    // what ACCEPT_NEW recorded earlier must count as known
    all.add(recordTo);
    for (Path p : all) {
      if (Files.isRegularFile(p)) {
        try {
          files.add(new KnownHostsFile(p, new OpenSSHKnownHosts(p.toFile())));
        } catch (IOException e) {
          throw new IOException("cannot read the known_hosts file " + p + ": " + e.getMessage(), e);
        }
      }
    }
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    KeyType type = KeyType.fromKey(key);
    presentedFingerprint = KeyFiles.sha256Fingerprint(key);
    if (type == KeyType.UNKNOWN) {
      outcome = Outcome.UNKNOWN;
      return false;
    }
    String lookup = lookupName(hostname, port);
    List<String> mismatched = new ArrayList<>();
    Path mismatchFile = null;
    for (KnownHostsFile f : files) {
      for (OpenSSHKnownHosts.KnownHostEntry entry : f.hosts().entries()) {
        try {
          if (!entry.appliesTo(type, lookup)) {
            continue;
          }
          if (entry.verify(key)) {
            outcome = Outcome.KNOWN;
            return true;
          }
        } catch (IOException e) {
          continue; // an unreadable entry neither vouches for nor against this key
        }
        mismatched.add(fingerprintOf(entry.getLine()));
        if (mismatchFile == null) {
          mismatchFile = f.path();
        }
      }
    }
    if (mismatchFile != null) {
      changedIn = mismatchFile;
      knownFingerprints = List.copyOf(mismatched);
      outcome = Outcome.CHANGED;
      return false;
    }
    // re-keying presents the same key again: do not record it twice
    if (key.equals(accepted)) {
      return true;
    }
    if (policy == HostKeyPolicy.STRICT) {
      outcome = Outcome.UNKNOWN;
      return false;
    }
    try {
      append(KeyFiles.knownHostsLine(hostname, port, key));
    } catch (IOException e) {
      recordFailure = e;
      outcome = Outcome.NOT_RECORDED;
      return false;
    }
    accepted = key;
    outcome = Outcome.RECORDED;
    return true;
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    List<String> algorithms = new ArrayList<>();
    for (KnownHostsFile f : files) {
      algorithms.addAll(f.hosts().findExistingAlgorithms(hostname, port));
    }
    return algorithms;
  }

  private void append(String line) throws IOException {
    Path dir = recordTo.toAbsolutePath().getParent();
    if (dir != null) {
      Files.createDirectories(dir);
    }
    String prefix = "";
    if (Files.isRegularFile(recordTo) && Files.size(recordTo) > 0) {
      byte[] all = Files.readAllBytes(recordTo);
      if (all[all.length - 1] != '\n') {
        prefix = "\n"; // do not glue our entry to a last line without a newline
      }
    }
    Files.writeString(
        recordTo,
        prefix + line + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** The name SSHJ and OpenSSH look up: {@code host} for port 22, else {@code [host]:port}. */
  private static String lookupName(String hostname, int port) {
    String h = hostname.toLowerCase(Locale.ROOT);
    return port == 22 ? h : "[" + h + "]:" + port;
  }

  /**
   * The SHA-256 fingerprint of the key on a known_hosts line ({@code [@marker] hosts type key}).
   */
  private static String fingerprintOf(String line) {
    List<String> parts = new ArrayList<>(Arrays.asList(line.trim().split("\\s+")));
    if (!parts.isEmpty() && parts.get(0).startsWith("@")) {
      parts.remove(0);
    }
    try {
      return KeyFiles.sha256Fingerprint(Base64.getDecoder().decode(parts.get(2)));
    } catch (RuntimeException e) {
      return "(unreadable entry)";
    }
  }

  Outcome outcome() {
    return outcome;
  }

  String presentedFingerprint() {
    return presentedFingerprint;
  }

  Path changedIn() {
    return changedIn;
  }

  List<String> knownFingerprints() {
    return knownFingerprints;
  }

  IOException recordFailure() {
    return recordFailure;
  }

  Path recordTo() {
    return recordTo;
  }
}
