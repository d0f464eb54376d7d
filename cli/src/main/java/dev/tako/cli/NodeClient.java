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
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * A conversation with one node, exactly as with a real server: an SSH connection (known hosts,
 * keys), the bearer token read over SFTP from the node's home, and HTTP/JSON through a local port
 * forwarded to the node's loopback-only management API. Failing to reach a node is exit code 3.
 *
 * <p>{@link #connectAny} takes the tunnel from the {@link Keeper} when one runs (an SSH connection
 * kept from an earlier command, so no handshake), and starts one for the next commands when none
 * does (once this client is closed); its own SSH connection is then opened only if a caller asks
 * for {@link #ssh()}, or a GET through the keeper's tunnel fails (then the keeper drops that
 * connection and the GET is repeated over a connection of this command's own).
 */
public final class NodeClient implements AutoCloseable {
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private final ServerEntry server;
  private final TakoHome home;
  private SshSession ssh;
  private String token;
  private int localPort;
  private Keeper keeper; // non-null while the tunnel is the keeper's
  private Keeper.Held held; // the hold on the keeper's connection, released on close
  private Keeper startOnClose; // a keeper to start for the next commands once this one is done

  /** A local port forwarded to a node's API, and the node's token. */
  public record Tunnel(int port, String token) {}

  private NodeClient(ServerEntry server, TakoHome home, SshSession ssh) {
    this.server = server;
    this.home = home;
    this.ssh = ssh;
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
    for (ServerEntry s : servers) {
      try {
        return connectKept(s, home, true);
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

  /**
   * The server's API through the {@link Keeper}'s kept connection when a keeper runs, else over a
   * connection of this command's own (then, with {@code startKeeper}, a keeper is started for the
   * next commands). Exit code 3 when the server cannot be reached either way.
   */
  public static NodeClient connectKept(ServerEntry s, TakoHome home, boolean startKeeper) {
    Keeper keeper = Keeper.of(home).orElse(null);
    if (keeper != null && keeper.running()) {
      Keeper.Held h = keeper.hold(s.name()).orElse(null);
      if (h != null) {
        NodeClient c = new NodeClient(s, home, null);
        c.token = h.tunnel().token();
        c.localPort = h.tunnel().port();
        c.keeper = keeper;
        c.held = h;
        return c;
      }
      // the keeper is broken: this command connects on its own
    }
    NodeClient c = connect(s, home, HostKeyPolicy.STRICT);
    c.ensureApi();
    if (startKeeper && keeper != null && !keeper.running()) {
      // For the next commands, started when this one is done with the server: a keeper booting
      // beside it (a second cold JVM and SSH login) would slow this first command down.
      c.startOnClose = keeper;
    }
    return c;
  }

  /**
   * Uploads {@code local} to {@code remote} (an artifact named by its content) unless the server
   * has it already: over the keeper's connection when this client's tunnel is the keeper's, else
   * over this command's own. {@code progress} gets the bytes sent so far.
   *
   * @return false when the file was there already (nothing sent)
   */
  public boolean uploadIfMissing(java.nio.file.Path local, String remote, LongConsumer progress)
      throws SshException {
    if (keeper != null) {
      Optional<Boolean> sent = keeper.upload(server.name(), local, remote, progress);
      if (sent.isPresent()) {
        return sent.get();
      }
    }
    SshSession ssh = ssh();
    if (ssh.exists(remote)) {
      return false;
    }
    ssh.mkdirs(remote.substring(0, Math.max(1, remote.lastIndexOf('/'))));
    return ssh.upload(local, remote, progress);
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
        return send("GET", path, null, type, timeout);
      } catch (CliException e) {
        if (e.exitCode() != CliException.UNREACHABLE && !e.getMessage().contains("(HTTP 401)")) {
          throw e;
        }
        // The kept connection failed (or the node's token changed): this command's own one.
        held.close();
        held = null;
        keeper.drop(server.name());
        keeper = null;
        token = null;
      }
    }
    return send("GET", path, null, type, timeout);
  }

  public <T> T post(String path, Object body, Class<T> type, Duration timeout) {
    return send("POST", path, Json.write(body), type, timeout);
  }

  /**
   * POSTs a deploy or rollback and follows its NDJSON stream: each progress event goes to {@code
   * onProgress}, the final result is returned.
   */
  public DeployResult rollout(
      String path, Object body, Duration timeout, Consumer<RolloutEvent> onProgress) {
    HttpURLConnection c = open("POST", path, Json.write(body), timeout, "application/x-ndjson");
    int status = status(c);
    try {
      if (status / 100 != 2) {
        ApiError err = Json.lenient().readValue(body(c, status), ApiError.class);
        throw new CliException(
            CliException.FAILED,
            server.name() + " refused the request (HTTP " + status + "): " + err.error());
      }
      DeployResult result = null;
      try (BufferedReader lines =
          new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = lines.readLine()) != null) {
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
    } catch (IOException e) {
      throw new CliException(
          CliException.FAILED,
          "the connection to "
              + server.name()
              + " broke during the rollout ("
              + e.getMessage()
              + "); check tako status",
          e);
    } finally {
      c.disconnect();
    }
  }

  /**
   * One request through the tunnel, its body (if any) sent. The JDK's plain {@link
   * HttpURLConnection}: {@code java.net.http}'s client cost each command about half a second of CPU
   * to set up, for one or two requests on loopback. {@code timeout} bounds the connect and each
   * read.
   */
  private HttpURLConnection open(
      String method, String path, String jsonBody, Duration timeout, String accept) {
    ensureApi();
    try {
      URL url = new URL("http", "127.0.0.1", localPort, path);
      HttpURLConnection c = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
      c.setRequestMethod(method);
      c.setUseCaches(false);
      c.setConnectTimeout(CONNECT_TIMEOUT_MS);
      c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis())));
      c.setRequestProperty("Authorization", "Bearer " + token);
      c.setRequestProperty("Accept", accept);
      if (jsonBody != null) {
        byte[] bytes = jsonBody.getBytes(StandardCharsets.UTF_8);
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        // Streamed: the JDK never sends a POST (a deploy, a rollback) a second time on its own.
        c.setFixedLengthStreamingMode(bytes.length);
        try (OutputStream out = c.getOutputStream()) {
          out.write(bytes);
        }
      }
      return c;
    } catch (IOException e) {
      throw noAnswer(e);
    }
  }

  /** The response's status; no answer at all is exit code 3. */
  private int status(HttpURLConnection c) {
    try {
      return c.getResponseCode();
    } catch (IOException e) {
      c.disconnect();
      throw noAnswer(e);
    }
  }

  private CliException noAnswer(IOException e) {
    return new CliException(
        CliException.UNREACHABLE,
        "the node API of " + server.name() + " did not answer: " + e.getMessage(),
        e);
  }

  /** The whole response body (of an error too), as text. */
  private String body(HttpURLConnection c, int status) {
    try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw noAnswer(e);
    }
  }

  private <T> T send(String method, String path, String jsonBody, Class<T> type, Duration timeout) {
    HttpURLConnection c = open(method, path, jsonBody, timeout, "application/json");
    int status = status(c);
    String body = body(c, status);
    try {
      if (status / 100 != 2) {
        ApiError err = Json.lenient().readValue(body, ApiError.class);
        throw new CliException(
            CliException.FAILED,
            server.name() + " refused the request (HTTP " + status + "): " + err.error());
      }
      return Json.lenient().readValue(body, type);
    } catch (JsonProcessingException e) {
      throw new CliException(
          CliException.FAILED,
          "unexpected answer from " + server.name() + " (HTTP " + status + "): " + body,
          e);
    }
  }

  @Override
  public void close() {
    try {
      if (held != null) {
        held.close();
      }
      if (ssh != null) {
        ssh.close();
      }
    } catch (RuntimeException e) {
      // the connection is going away anyway
    }
    if (startOnClose != null && !startOnClose.running()) {
      startOnClose.start(List.of(server.name()));
    }
    startOnClose = null;
  }
}
