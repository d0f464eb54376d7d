package dev.tako.node.failover;

import dev.tako.node.peer.PeerTls;
import java.nio.file.Path;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's cluster TLS context for the node-to-node listener and its connections to peers, read
 * from {@code <home>/tls} off the event loops and read again every {@code
 * tako.failover.tls-refresh} (so {@code tako servers rotate-certs} reaches new connections). A file
 * that cannot be read keeps the last good context (none at first: the listener then refuses
 * connections and nothing is forwarded), with the reason in the log.
 */
final class ClusterTls implements Supplier<SSLContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTls.class);
  private final Path dir;
  private volatile SSLContext current;

  ClusterTls(Path dir) {
    this.dir = dir;
  }

  /** Reads the files (blocking: call it on the blocking dispatcher). */
  void refresh() {
    try {
      current = PeerTls.context(dir);
    } catch (Exception e) {
      LOG.warn(
          "cannot read the node's TLS files in {} for the node-to-node listener: {}",
          dir,
          e.getMessage());
    }
  }

  @Override
  public SSLContext get() {
    return current;
  }
}
