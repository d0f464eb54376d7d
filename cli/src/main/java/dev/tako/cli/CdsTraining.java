package dev.tako.cli;

import dev.tako.cli.commands.StatusCommand;
import dev.tako.cli.pack.Packer;
import dev.tako.cli.ssh.KeyFiles;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.StatusView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;

/**
 * The training run of the CLI's class data sharing archive, made at packaging time ({@code
 * TAKO_CLI_CDS_TRAIN=1 bin/tako} runs this instead of {@link Main}, with {@code
 * -XX:ArchiveClassesAtExit=lib/tako.jsa}). Every later {@code tako} maps the classes it loaded
 * instead of reading, parsing and verifying them from the jars: the bare start and, above all, the
 * SSH, Jackson and TOML classes of every remote command, and the keeper's.
 *
 * <p>No network beyond loopback and no state outside a temporary directory: it runs real commands
 * against a Tako home of its own whose one server is a local socket that answers an SSH greeting
 * and hangs up ({@code tako status} and {@code tako deploy} go through the inventory, the known
 * hosts, the key and SSHJ up to the key exchange, and fail as against an unreachable server), reads
 * a {@code tako.toml}, packs an app, and renders a status (text and JSON) from a sample answer.
 * Then it loads, without initialising, the classes listed in {@code cds-classes.txt}: those real
 * commands and the keeper loaded against a playground ({@code bench/cds-classes.sh} writes it). A
 * name that no longer exists is skipped, so a stale list only makes the archive less complete.
 * Picocli's classes are never archived (its class files are older than Java 6's, which class data
 * sharing does not take), nor BouncyCastle's (signed jars); a command does not load the latter (see
 * {@link dev.tako.cli.ssh.Ssh#jdkCryptoOnly}).
 */
public final class CdsTraining {
  private CdsTraining() {}

  public static void main(String[] args) throws IOException {
    PrintStream out = System.out;
    PrintStream err = System.err;
    Path work = Files.createTempDirectory("tako-cds-");
    int failed = 0;
    try {
      PrintStream none = new PrintStream(OutputStream.nullOutputStream());
      System.setOut(none);
      System.setErr(none);
      Main.run("--version");
      Main.run("--help");
      Main.run("status", "--help");
      Main.run("deploy", "--help");
      failed += commands(work) ? 0 : 1;
      failed += rendering() ? 0 : 1;
    } finally {
      System.setOut(out);
      System.setErr(err);
      System.clearProperty("tako.home");
      try {
        Packer.deleteTree(work);
      } catch (IOException e) {
        // a temporary directory
      }
    }
    int[] listed = listed();
    System.out.println(
        "cds training: "
            + listed[0]
            + " listed classes loaded, "
            + listed[1]
            + " skipped"
            + (failed == 0 ? "" : "; " + failed + " exercises failed"));
  }

  /**
   * Real commands against a Tako home whose one server greets and hangs up: everything a remote
   * command does up to its SSH key exchange, and a deploy's config reading and packing.
   */
  private static boolean commands(Path work) {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread greeter = new Thread(() -> greet(server), "cds-ssh-greeter");
      greeter.setDaemon(true);
      greeter.start();
      Path home = Files.createDirectories(work.resolve("home"));
      KeyPair key = KeyFiles.generateRsa();
      Path keyFile = home.resolve("client_key");
      KeyFiles.writePrivateKey(keyFile, key.getPrivate());
      Files.writeString(
          home.resolve("known_hosts"),
          KeyFiles.knownHostsLine("127.0.0.1", server.getLocalPort(), key.getPublic()) + "\n");
      Files.writeString(
          home.resolve("config.toml"),
          "[servers.la]\nhost = \"127.0.0.1\"\nport = "
              + server.getLocalPort()
              + "\nuser = \"tako\"\nregion = \"la\"\nhome = \"/\"\napi_port = 1\nhttp_port = 2\n"
              + "https_port = 3\nidentity = \""
              + keyFile
              + "\"\n");
      Path app = Files.createDirectories(work.resolve("app"));
      Files.writeString(
          app.resolve("server.js"),
          "require('http').createServer((q, s) => s.end('hi')).listen(+process.env.PORT);\n");
      Files.writeString(
          app.resolve("tako.toml"),
          "name = \"hello\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n\n"
              + "[vars]\nGREETING = \"Hello\"\n\n[envs.production]\n"
              + "routes = [\"hello.localhost\"]\nservers = [\"la\"]\n");
      System.setProperty("tako.home", home.toString());
      Main.run("status");
      Main.run("status", "--json", "--config", app.resolve("tako.toml").toString());
      Main.run("deploy", "--config", app.resolve("tako.toml").toString());
      Deployer.loadConfig(app.resolve("tako.toml"));
      Packer.pack(app, List.of(), List.of(), Files.createDirectories(work.resolve("out")));
      KeyFiles.readPkcs8(keyFile);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Answers every connection with an SSH identification line, then hangs up. */
  private static void greet(ServerSocket server) {
    while (!server.isClosed()) {
      try (Socket s = server.accept()) {
        s.getOutputStream().write("SSH-2.0-OpenSSH_9.6\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        s.setSoTimeout(2_000);
        s.getInputStream().read(new byte[4096]); // the client's identification and KEXINIT
      } catch (IOException e) {
        // closed: training is over, or the client gave up
      }
    }
  }

  /** A status answer read as the CLI reads it, printed as text and as JSON. */
  private static boolean rendering() {
    try (InputStream in = CdsTraining.class.getResourceAsStream("cds-status.json")) {
      StatusView view = Json.lenient().readValue(in, StatusView.class);
      StatusCommand.print(view, new Output(false));
      new Output(true).result(view);
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Loads (without initialising) the classes of cds-classes.txt: {loaded, skipped}. */
  private static int[] listed() throws IOException {
    ClassLoader loader = CdsTraining.class.getClassLoader();
    int loaded = 0;
    int skipped = 0;
    try (InputStream in = CdsTraining.class.getResourceAsStream("cds-classes.txt");
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        try {
          Class.forName(line.trim(), false, loader);
          loaded++;
        } catch (ClassNotFoundException | LinkageError e) {
          skipped++; // gone from this version of a dependency or of the JDK
        }
      }
    }
    return new int[] {loaded, skipped};
  }
}
