package dev.tako.cli;

import dev.tako.cli.tls.ClusterCa;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a node's home holds before its first start, made by the CLI for the playground and for
 * {@code servers add --install}: {@code node.conf} (HOCON) and the cluster TLS files.
 */
public final class NodeFiles {
  private NodeFiles() {}

  /** Everything node.conf says; the node derives the rest. */
  public record NodeConf(
      String server,
      String region,
      String publicHost,
      String proxyInterface,
      int apiPort,
      int httpPort,
      int httpsPort,
      int metricsPort,
      int sshPort,
      String clusterHost,
      int clusterPort,
      List<String> seeds,
      String extra) {

    public String render() {
      String seedList = seeds.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", "));
      return "# Written by tako. Settings of this node; defaults are in the node's reference.conf.\n"
          + "tako {\n"
          + "  server = \""
          + server
          + "\"\n"
          + "  region = \""
          + region
          + "\"\n"
          + "  public-host = \""
          + publicHost
          + "\"\n"
          + "  proxy-interface = \""
          + proxyInterface
          + "\"\n"
          + "  api-port = "
          + apiPort
          + "\n"
          + "  http-port = "
          + httpPort
          + "\n"
          + "  https-port = "
          + httpsPort
          + "\n"
          + "  metrics-port = "
          + metricsPort
          + "\n"
          + "  playground.ssh-port = "
          + sshPort
          + "\n"
          + "  cluster {\n"
          + "    host = \""
          + clusterHost
          + "\"\n"
          + "    port = "
          + clusterPort
          + "\n"
          + "    seeds = ["
          + seedList
          + "]\n"
          + "  }\n"
          + "}\n"
          + (extra == null ? "" : extra + "\n");
    }
  }

  /** The three TLS files of a node, issued by the cluster CA. */
  public record TlsFiles(String key, String cert, String caCert) {
    public static TlsFiles issue(ClusterCa ca, String server) {
      var creds = ca.issue(server);
      return new TlsFiles(creds.keyPem(), creds.certPem(), creds.caCertPem());
    }
  }
}
