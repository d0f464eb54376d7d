package dev.tako.protocol.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What a node's {@code node.conf} says, the one definition of its keys: the CLI renders it for the
 * playground and {@code servers add --install} ({@link #render}), and the node reads it back
 * through its config library ({@link #read}). Keys are relative to the {@code tako} section; what
 * node.conf leaves out comes from the node's {@code reference.conf}, whose values are the {@code
 * DEFAULT_*} constants here (a node test checks they agree).
 *
 * @param sshPort the playground's embedded SSH/SFTP port, 0 on a real server (OpenSSH serves)
 * @param extra HOCON appended as is (playground overrides), or null
 */
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

  public static final String SECTION = "tako";
  public static final String SERVER = "server";
  public static final String REGION = "region";
  public static final String PUBLIC_HOST = "public-host";
  public static final String PROXY_INTERFACE = "proxy-interface";
  public static final String API_PORT = "api-port";
  public static final String HTTP_PORT = "http-port";
  public static final String HTTPS_PORT = "https-port";
  public static final String METRICS_PORT = "metrics-port";
  public static final String SSH_PORT = "playground.ssh-port";
  public static final String CLUSTER_HOST = "cluster.host";
  public static final String CLUSTER_PORT = "cluster.port";
  public static final String SEEDS = "cluster.seeds";

  /** The proxy listens on every interface of a real server. */
  public static final String DEFAULT_PROXY_INTERFACE = "0.0.0.0";

  public static final int DEFAULT_API_PORT = ServerEntry.DEFAULT_API_PORT;
  public static final int DEFAULT_METRICS_PORT = 9891;
  public static final int DEFAULT_CLUSTER_PORT = 25520;

  public NodeConf {
    seeds = List.copyOf(seeds);
  }

  /** How the node's config library answers for one key of the {@code tako} section. */
  public interface Source {
    boolean has(String key);

    String string(String key);

    int integer(String key);

    List<String> strings(String key);
  }

  /** What {@code source} says; the region defaults to the server's name. */
  public static NodeConf read(Source source) {
    String server = source.string(SERVER);
    return new NodeConf(
        server,
        source.has(REGION) ? source.string(REGION) : server,
        source.string(PUBLIC_HOST),
        source.string(PROXY_INTERFACE),
        source.integer(API_PORT),
        source.integer(HTTP_PORT),
        source.integer(HTTPS_PORT),
        source.integer(METRICS_PORT),
        source.integer(SSH_PORT),
        source.string(CLUSTER_HOST),
        source.integer(CLUSTER_PORT),
        source.strings(SEEDS),
        null);
  }

  /** node.conf as HOCON: every key, then {@link #extra} (later settings win). */
  public String render() {
    StringBuilder b =
        new StringBuilder(
            "# Written by tako. Settings of this node; defaults are in the node's reference.conf.\n");
    b.append(SECTION).append(" {\n");
    line(b, SERVER, quote(server));
    line(b, REGION, quote(region));
    line(b, PUBLIC_HOST, quote(publicHost));
    line(b, PROXY_INTERFACE, quote(proxyInterface));
    line(b, API_PORT, apiPort);
    line(b, HTTP_PORT, httpPort);
    line(b, HTTPS_PORT, httpsPort);
    line(b, METRICS_PORT, metricsPort);
    line(b, SSH_PORT, sshPort);
    line(b, CLUSTER_HOST, quote(clusterHost));
    line(b, CLUSTER_PORT, clusterPort);
    line(b, SEEDS, seeds.stream().map(NodeConf::quote).collect(Collectors.joining(", ", "[", "]")));
    b.append("}\n");
    if (extra != null) {
      b.append(extra).append('\n');
    }
    return b.toString();
  }

  private static void line(StringBuilder b, String key, Object value) {
    b.append("  ").append(key).append(" = ").append(value).append('\n');
  }

  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
