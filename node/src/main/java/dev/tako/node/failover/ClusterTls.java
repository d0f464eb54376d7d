package dev.tako.node.failover;

import dev.tako.node.peer.PeerTls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's cluster TLS context for the node-to-node listener and its connections to peers, read
 * from {@code <home>/tls} off the event loops and looked at again every {@code
 * tako.failover.tls-refresh} (so {@code tako servers rotate-certs} reaches new connections). A
 * context is made again only when one of the files changed (size, modification time or inode):
 * making one costs two PBKDF2 derivations of the key (tens of milliseconds of CPU), which an idle
 * node paid every minute for nothing. A file that cannot be read keeps the last good context (none
 * at first: the listener then refuses connections and nothing is forwarded), with the reason in the
 * log.
 */
final class ClusterTls implements Supplier<SSLContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTls.class);
  private static final List<String> FILES = List.of("node.key", "node.crt", "ca.crt");
  private final Path dir;
  private volatile SSLContext current;
  private List<Object> readStamp; // of the files the current context was made from

  ClusterTls(Path dir) {
    this.dir = dir;
  }

  /** Reads the files when they changed (blocking: call it on the blocking dispatcher). */
  synchronized void refresh() {
    List<Object> stamp = stamp();
    if (current != null && stamp != null && stamp.equals(readStamp)) {
      return;
    }
    try {
      current = PeerTls.context(dir);
      readStamp = stamp;
    } catch (Exception e) {
      LOG.warn(
          "cannot read the node's TLS files in {} for the node-to-node listener: {}",
          dir,
          e.getMessage());
    }
  }

  /** What identifies the files' contents without reading them; null when one is missing. */
  private List<Object> stamp() {
    List<Object> s = new ArrayList<>();
    for (String name : FILES) {
      try {
        BasicFileAttributes a = Files.readAttributes(dir.resolve(name), BasicFileAttributes.class);
        s.add(a.size());
        s.add(a.lastModifiedTime());
        s.add(Objects.requireNonNullElse(a.fileKey(), ""));
      } catch (IOException e) {
        return null;
      }
    }
    return s;
  }

  @Override
  public SSLContext get() {
    return current;
  }
}
