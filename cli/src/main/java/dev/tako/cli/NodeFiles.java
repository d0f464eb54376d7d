package dev.tako.cli;

import dev.tako.cli.tls.ClusterCa;

/**
 * What a node's home holds before its first start, made by the CLI for the playground and for
 * {@code servers add --install}: the cluster TLS files, beside {@code node.conf} ({@link
 * dev.tako.protocol.config.NodeConf}).
 */
public final class NodeFiles {
  private NodeFiles() {}

  /** The three TLS files of a node, issued by the cluster CA. */
  public record TlsFiles(String key, String cert, String caCert) {
    public static TlsFiles issue(ClusterCa ca, String server) {
      var creds = ca.issue(server);
      return new TlsFiles(creds.keyPem(), creds.certPem(), creds.caCertPem());
    }
  }
}
