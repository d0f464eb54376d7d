package dev.tako.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.tako.cli.keeper.Keeper;
import dev.tako.cli.ssh.HostKeyPolicy;
import dev.tako.cli.ssh.Ssh;
import dev.tako.cli.ssh.SshException;
import dev.tako.cli.ssh.SshSession;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.ApiError;
import dev.tako.protocol.api.DeployResult;
import dev.tako.protocol.api.RolloutEvent;
import dev.tako.protocol.config.ServerEntry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A conversation with one node, exactly as with a real server: an SSH connection (known hosts,
 * keys), the bearer token read over SFTP from the node's home, and HTTP/JSON through a local port
 * forwarded to the node's loopback-only management API. Failing to reach a node is exit code 3.
 *
 * <p>{@link #connectAny} takes the tunnel from the {@link Keeper} when one runs (an SSH connection
 * kept from an earlier command, so no handshake), and starts one for the next commands when none
 * does; its own SSH connection is then opened only if a caller asks for {@link #ssh()}, or a GET
 * through the keeper's tunnel fails (then the keeper drops that connection and the GET is repeated
 * over a connection of this command's own).
 */
public final class NodeClient implements AutoCloseable {
  private final ServerEntry server;
  private final TakoHome home;
  private SshSession ssh;
  private final HttpClient http;
  private String token;
  private int localPort;
  private Keeper keeper; // non-null while the tunnel is the keeper's

  /** A local port forwarded to a node's API, and the node's token. */
  public record Tunnel(int port, String token) {}

  private NodeClient(ServerEntry server, TakoHome home, SshSession ssh) {
    this.server = server;
    this.home = home;
    this.ssh = ssh;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .sslContext(plainHttpOnly())
            .build();
  }

  /**
   * The API is plain HTTP through the tunnel: a TLS context that trusts nobody spares the client's
   * default one, whose set-up (reading the JDK's CA certificates) cost each command a few tenths of
   * a second.
   */
  private static javax.net.ssl.SSLContext plainHttpOnly() {
    try {
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(
          new javax.net.ssl.KeyManager[0],
          new javax.net.ssl.TrustManager[] {new TrustNobody()},
          null);
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class TrustNobody implements javax.net.ssl.X509TrustManager {
    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
        throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("the node API is plain HTTP");
    }

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
        throws java.security.cert.CertificateException {
      throw new java.security.cert.CertificateException("the node API is plain HTTP");
    }

    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }

  /** SSH to the server; the API tunnel and token are set up on first use. */
  public static NodeClient connect(ServerEntry server, TakoHome home, HostKeyPolicy policy) {
    try {
      return new NodeClient(server, home, Ssh.connect(Servers.target(server, home), policy));
    } catch (SshException e) {
      throw new CliException(CliException.UNREACHABLE, e.getMessage(), e);
    }
  }

  /**
   * The first of the given servers that answers over SSH, trying them in order. Exit code 3 when
   * none does.
   */
  public static NodeClient connectAny(List<ServerEntry> servers, TakoHome home, Output out) {
    List<String> problems = new ArrayList<>();
    Keeper keeper = Keeper.of(home).orElse(null);
    boolean keeperRuns = keeper != null && keeper.running();
    for (ServerEntry s : servers) {
      try {
        if (keeperRuns) {
          Tunnel t = keeper.tunnel(s.name()).orElse(null);
          if (t != null) {
            NodeClient c = new NodeClient(s, home, null);
            c.token = t.token();
            c.localPort = t.port();
            c.keeper = keeper;
            return c;
          }
          keeperRuns = false; // broken: this command connects on its own
        }
        NodeClient c = connect(s, home, HostKeyPolicy.STRICT);
        c.ensureApi();
        if (keeper != null && !keeper.running()) {
          // For the next commands; this one goes on over its own connection meanwhile.
          keeper.start(List.of(s.name()));
        }
        return c;
      } catch (CliException e) {
        problems.add(e.getMessage());
        out.progress("warning: " + firstLine(e.getMessage()) + "; trying the next server");
      }
    }
    if (servers.isEmpty()) {
      throw new CliException(
          CliException.UNREACHABLE,
          "no servers are configured; add one with `tako servers add NAME --host HOST` or start"
              + " the playground with `tako playground up`");
    }
    throw new CliException(
        CliException.UNREACHABLE, "could not reach any node:\n  " + String.join("\n  ", problems));
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  public ServerEntry server() {
    return server;
  }

  /** This command's own SSH connection to the server, opened now if the tunnel is the keeper's. */
  public SshSession ssh() {
    if (ssh == null) {
      try {
        ssh = Ssh.connect(Servers.target(server, home), HostKeyPolicy.STRICT);
      } catch (SshException e) {
        throw new CliException(CliException.UNREACHABLE, e.getMessage(), e);
      }
    }
    return ssh;
  }

  /** The forward to the node's API and its token (for the {@link Keeper}), set up now if needed. */
  public Tunnel tunnel() {
    ensureApi();
    return new Tunnel(localPort, token);
  }

  /** Remote path under the server's home. */
  public static String homePath(ServerEntry server, String relative) {
    String home = server.home();
    return (home.endsWith("/") ? home : home + "/") + relative;
  }

  private void ensureApi() {
    if (token != null) {
      return;
    }
    SshSession ssh = ssh();
    try {
      token =
          new String(ssh.readFile(homePath(server, "admin.token")), StandardCharsets.UTF_8).trim();
    } catch (SshException | RuntimeException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "cannot read the node's token on "
              + server.name()
              + " ("
              + homePath(server, "admin.token")
              + "): is a tako node installed and running there? ("
              + e.getMessage()
              + ")",
          e);
    }
    try {
      localPort = ssh.forwardLocalPort("127.0.0.1", server.apiPort());
    } catch (SshException | RuntimeException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "cannot open a tunnel to the node API of " + server.name() + ": " + e.getMessage(),
          e);
    }
  }

  public <T> T get(String path, Class<T> type, Duration timeout) {
    if (keeper != null) {
      try {
        return send(HttpRequest.newBuilder(uri(path)).GET(), type, timeout);
      } catch (CliException e) {
        if (e.exitCode() != CliException.UNREACHABLE && !e.getMessage().contains("(HTTP 401)")) {
          throw e;
        }
        // The kept connection failed (or the node's token changed): this command's own one.
        keeper.drop(server.name());
        keeper = null;
        token = null;
      }
    }
    return send(HttpRequest.newBuilder(uri(path)).GET(), type, timeout);
  }

  public <T> T post(String path, Object body, Class<T> type, Duration timeout) {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body))),
        type,
        timeout);
  }

  /**
   * POSTs a deploy or rollback and follows its NDJSON stream: each progress event goes to {@code
   * onProgress}, the final result is returned.
   */
  public DeployResult rollout(
      String path, Object body, Duration timeout, Consumer<RolloutEvent> onProgress) {
    HttpRequest req =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .header("Accept", "application/x-ndjson")
            .header("Authorization", "Bearer " + token)
            .timeout(timeout)
            .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
            .build();
    HttpResponse<java.util.stream.Stream<String>> resp =
        exchange(req, HttpResponse.BodyHandlers.ofLines());
    try (var lines = resp.body()) {
      if (resp.statusCode() / 100 != 2) {
        String text = String.join("\n", lines.toList());
        ApiError err = Json.lenient().readValue(text, ApiError.class);
        throw new CliException(
            CliException.FAILED,
            server.name()
                + " refused the request (HTTP "
                + resp.statusCode()
                + "): "
                + err.error());
      }
      DeployResult result = null;
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.isBlank()) {
          continue;
        }
        RolloutEvent ev = Json.lenient().readValue(line, RolloutEvent.class);
        if ("result".equals(ev.event())) {
          result = ev.result();
        } else {
          onProgress.accept(ev);
        }
      }
      if (result == null) {
        throw new CliException(
            CliException.FAILED,
            "the connection to "
                + server.name()
                + " ended before the rollout reported its result; check tako status");
      }
      return result;
    } catch (JsonProcessingException e) {
      throw new CliException(
          CliException.FAILED,
          "unexpected answer from " + server.name() + ": " + e.getOriginalMessage(),
          e);
    } catch (java.io.UncheckedIOException e) {
      throw new CliException(
          CliException.FAILED,
          "the connection to "
              + server.name()
              + " broke during the rollout ("
              + e.getCause().getMessage()
              + "); check tako status",
          e);
    }
  }

  /** One HTTP exchange through the tunnel; no answer at all is exit code 3. */
  private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
    try {
      return http.send(req, handler);
    } catch (IOException e) {
      throw new CliException(
          CliException.UNREACHABLE,
          "the node API of " + server.name() + " did not answer: " + e.getMessage(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(CliException.FAILED, "interrupted");
    }
  }

  private URI uri(String path) {
    ensureApi();
    return URI.create("http://127.0.0.1:" + localPort + path);
  }

  private <T> T send(HttpRequest.Builder builder, Class<T> type, Duration timeout) {
    HttpRequest req = builder.header("Authorization", "Bearer " + token).timeout(timeout).build();
    HttpResponse<String> resp = exchange(req, HttpResponse.BodyHandlers.ofString());
    try {
      if (resp.statusCode() / 100 != 2) {
        ApiError err = Json.lenient().readValue(resp.body(), ApiError.class);
        throw new CliException(
            CliException.FAILED,
            server.name()
                + " refused the request (HTTP "
                + resp.statusCode()
                + "): "
                + err.error());
      }
      return Json.lenient().readValue(resp.body(), type);
    } catch (JsonProcessingException e) {
      throw new CliException(
          CliException.FAILED,
          "unexpected answer from "
              + server.name()
              + " (HTTP "
              + resp.statusCode()
              + "): "
              + resp.body(),
          e);
    }
  }

  @Override
  public void close() {
    try {
      if (ssh != null) {
        ssh.close();
      }
    } catch (RuntimeException e) {
      // the connection is going away anyway
    }
  }
}
