package dev.tako.cli.keeper;

import dev.tako.cli.CliException;
import dev.tako.cli.NodeClient;
import dev.tako.cli.TakoHome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The CLI's side of the {@link ConnectionKeeper}: asks it for a server's API tunnel (a local port
 * forwarded to the node's API, and the node's token), starts it in the background when it is not
 * running, stops it. Every problem with the keeper itself (not running, broken, too slow) is
 * "absent": the caller connects directly, as without a keeper. A server the keeper cannot reach is
 * a {@link CliException} with exit code 3, as a direct connect would give.
 *
 * <p>{@code TAKO_KEEPER=off} turns the keeper off: every command connects on its own.
 */
public final class Keeper {
  /** Environment variable; {@code off} turns the keeper off. */
  public static final String ENV = "TAKO_KEEPER";

  /**
   * The limit of one answer of the keeper: its probe of a kept connection, a new SSH login (5 s)
   * and the token's read, with room to spare. A keeper slower than this is treated as absent.
   */
  static final long ANSWER_LIMIT_MS = 12_000;

  private final Path socket;

  private Keeper(Path socket) {
    this.socket = socket;
  }

  /** The keeper of this Tako home, or empty when it is turned off. */
  public static Optional<Keeper> of(TakoHome home) {
    if ("off".equalsIgnoreCase(System.getenv(ENV))) {
      return Optional.empty();
    }
    Path socket = ConnectionKeeper.socket(home);
    // A Unix socket's path is limited to about 100 bytes: a deeper home goes without a keeper.
    if (socket.toString().getBytes(StandardCharsets.UTF_8).length > 100) {
      return Optional.empty();
    }
    return Optional.of(new Keeper(socket));
  }

  /** Whether a keeper seems to run (its socket exists). */
  public boolean running() {
    return Files.exists(socket);
  }

  /**
   * The API tunnel to {@code server} (by its inventory name) over the keeper's connection, or empty
   * when the keeper is not running or broken.
   *
   * @throws CliException (exit code 3) when the keeper could not reach the server
   */
  public Optional<NodeClient.Tunnel> tunnel(String server) {
    Optional<Held> held = hold(server);
    held.ifPresent(Held::close);
    return held.map(Held::tunnel);
  }

  /**
   * A tunnel and the hold on it: while the hold is open the keeper neither closes that connection
   * (even when a later command finds it dead and connects anew) nor exits. Closing it (or this
   * process ending) releases it.
   */
  public record Held(NodeClient.Tunnel tunnel, SocketChannel channel) implements AutoCloseable {
    @Override
    public void close() {
      try {
        channel.close();
      } catch (IOException ignored) {
        // released either way
      }
    }
  }

  /**
   * The API tunnel to {@code server} (by its inventory name) over the keeper's connection, held
   * until the {@link Held} is closed; empty when the keeper is not running or broken.
   *
   * @throws CliException (exit code 3) when the keeper could not reach the server
   */
  public Optional<Held> hold(String server) {
    Optional<Answer> answer = ask("TUNNEL " + server, true);
    if (answer.isEmpty()) {
      return Optional.empty();
    }
    String line = answer.get().line();
    if (line.startsWith("OK ")) {
      String[] parts = line.split(" ", 3);
      try {
        if (parts.length == 3) {
          return Optional.of(
              new Held(
                  new NodeClient.Tunnel(Integer.parseInt(parts[1]), parts[2]),
                  answer.get().channel()));
        }
      } catch (NumberFormatException e) {
        // not an answer of a keeper: treated as none
      }
      closeQuietly(answer.get().channel());
      return Optional.empty();
    }
    if (line.startsWith("ERR ")) {
      String[] parts = line.split(" ", 3);
      int code;
      try {
        code = Integer.parseInt(parts[1]);
      } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
        return Optional.empty();
      }
      throw new CliException(code, parts.length == 3 ? unescape(parts[2]) : "unknown error");
    }
    return Optional.empty();
  }

  /**
   * Uploads {@code local} to {@code remote} on {@code server} over the keeper's connection, unless
   * the file is there already; {@code progress} gets the bytes sent so far.
   *
   * @return whether it was sent (false: it was there); empty when the keeper is absent or broken
   * @throws dev.tako.cli.ssh.SshException when the upload itself failed
   */
  public Optional<Boolean> upload(
      String server, Path local, String remote, java.util.function.LongConsumer progress)
      throws dev.tako.cli.ssh.SshException {
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      OutputStream out = Channels.newOutputStream(channel);
      out.write(
          ("UPLOAD " + server + " " + remote + " " + local.toAbsolutePath() + "\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("P ")) {
          progress.accept(Long.parseLong(line.substring(2).trim()));
        } else if (line.equals("OK uploaded")) {
          return Optional.of(true);
        } else if (line.equals("OK skipped")) {
          return Optional.of(false);
        } else if (line.startsWith("ERR ")) {
          String[] parts = line.split(" ", 3);
          throw new dev.tako.cli.ssh.SshException(
              parts.length == 3 ? unescape(parts[2]) : "the upload failed", null);
        } else {
          return Optional.empty();
        }
      }
      return Optional.empty(); // the keeper went away: the caller uploads by itself
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Tells the keeper to close its connection to {@code server} (it failed the caller). */
  public void drop(String server) {
    ask("DROP " + server);
  }

  /** Stops the keeper of {@code home}, if one runs, closing its connections. */
  public static void stop(TakoHome home) {
    Path socket = ConnectionKeeper.socket(home);
    if (Files.exists(socket)) {
      new Keeper(socket).ask("STOP");
    }
  }

  /**
   * Starts the keeper in the background (same Java, same jars), to connect at once to {@code
   * servers}; the calling command does not wait for it. A failure to start is only a missed speed
   * up, never an error.
   */
  public void start(List<String> servers) {
    try {
      ProcessHandle.Info info = ProcessHandle.current().info();
      String java = info.command().orElse(null);
      String classpath = System.getProperty("java.class.path");
      if (java == null || classpath == null || classpath.isBlank()) {
        return;
      }
      List<String> cmd = new ArrayList<>();
      // Its own session: a Ctrl-C or a closed terminal of this command must not end it.
      Path setsid = Path.of("/usr/bin/setsid");
      if (Files.isExecutable(setsid)) {
        cmd.add(setsid.toString());
      }
      cmd.add(java);
      for (String arg : info.arguments().orElse(new String[0])) {
        // The same class data sharing archive (it matches the classpath); none of the rest.
        if (arg.startsWith("-XX:SharedArchiveFile=") || arg.equals("-Xshare:auto")) {
          cmd.add(arg);
        }
      }
      // A small heap that starts small (measured on a 4-region playground after 10 commands:
      // 64 MB RSS, against 73 MB with the default initial heap and perf data), C1 only.
      cmd.addAll(
          List.of(
              "-XX:TieredStopAtLevel=1",
              "-XX:+UseSerialGC",
              "-Xms8m",
              "-Xmx64m",
              "-Xss512k",
              "-XX:-UsePerfData",
              "-Xlog:cds=off",
              "-Xlog:cds+dynamic=off",
              "-cp",
              classpath,
              ConnectionKeeper.class.getName()));
      cmd.addAll(servers);
      Path dir = ConnectionKeeper.directory(socket);
      ConnectionKeeper.ownerOnlyDirectory(dir);
      new ProcessBuilder(cmd)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("keeper.log").toFile()))
          .redirectErrorStream(true)
          .start();
    } catch (IOException | RuntimeException e) {
      // no keeper this time: the next command tries again
    }
  }

  private record Answer(String line, SocketChannel channel) {}

  /** One request line and its answer line; empty when the keeper is absent or does not answer. */
  private Optional<String> ask(String request) {
    return ask(request, false).map(Answer::line);
  }

  /**
   * One request line and its answer line; with {@code keepOpen} an {@code OK} answer's channel is
   * left open (the caller closes it), every other is closed.
   */
  private Optional<Answer> ask(String request, boolean keepOpen) {
    if (!Files.exists(socket)) {
      return Optional.empty();
    }
    SocketChannel channel;
    try {
      channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    } catch (IOException e) {
      return Optional.empty();
    }
    CompletableFuture<String> answer =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                OutputStream out = Channels.newOutputStream(channel);
                out.write((request + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return readLine(channel);
              } catch (IOException e) {
                return null;
              }
            });
    boolean open = false;
    try {
      String line = answer.get(ANSWER_LIMIT_MS, TimeUnit.MILLISECONDS);
      open = keepOpen && line != null && line.startsWith("OK ");
      return Optional.ofNullable(line).map(l -> new Answer(l, channel));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    } finally {
      if (!open) {
        closeQuietly(channel);
      }
    }
  }

  /** One line, read byte by byte: nothing after it is consumed (the channel may stay open). */
  private static String readLine(SocketChannel channel) throws IOException {
    java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
    java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
    while (true) {
      one.clear();
      if (channel.read(one) < 0) {
        return line.size() == 0 ? null : line.toString(StandardCharsets.UTF_8);
      }
      byte b = one.get(0);
      if (b == '\n') {
        return line.toString(StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // done with it
    }
  }

  static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "");
  }

  static String unescape(String s) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char n = s.charAt(++i);
        out.append(n == 'n' ? '\n' : n);
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
