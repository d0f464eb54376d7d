package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SshSessionTest {

  @TempDir Path dir;
  private TestSshServer server;
  private SshSession session;

  @BeforeEach
  void connect() throws Exception {
    server = TestSshServer.start(dir);
    session = Ssh.connect(server.target(dir.resolve("known_hosts")), HostKeyPolicy.ACCEPT_NEW);
  }

  @AfterEach
  void close() throws Exception {
    session.close();
    server.close();
  }

  @Test
  void uploadWritesAPartFileThenRenamesAndKeepsAnExistingFinalFile() throws Exception {
    byte[] content = new byte[5 * 1024 * 1024 + 17];
    new Random(42).nextBytes(content);
    Path local = dir.resolve("app.tar.gz");
    Files.write(local, content);
    session.mkdirs("/home/artifacts");
    AtomicLong progress = new AtomicLong();

    assertTrue(session.upload(local, "/home/artifacts/abc.tar.gz", progress::set));

    Path remote = server.root.resolve("home/artifacts/abc.tar.gz");
    assertArrayEquals(content, Files.readAllBytes(remote));
    assertEquals(content.length, progress.get());
    assertEquals(1, countFiles(remote.getParent()), "no *.part-* file is left behind");

    Files.writeString(local, "something else");
    assertFalse(session.upload(local, "/home/artifacts/abc.tar.gz", n -> {}));
    assertArrayEquals(content, Files.readAllBytes(remote), "the existing final file is kept");
    assertEquals(1, countFiles(remote.getParent()));
  }

  @Test
  void uploadIntoAMissingDirectoryFailsWithTheRemotePath() throws Exception {
    Path local = Files.writeString(dir.resolve("a.txt"), "a");
    SshException e =
        assertThrows(SshException.class, () -> session.upload(local, "/nope/a.txt", n -> {}));
    assertTrue(
        e.getMessage().startsWith("error: uploading " + local + " to la:/nope/a.txt failed"),
        e.getMessage());
  }

  @Test
  void writeFileSetsTheModeAndReadFileReadsItBack() throws Exception {
    session.mkdirs("/home/node");
    byte[] token = "secret-token".getBytes(StandardCharsets.UTF_8);
    session.writeFile("/home/node/admin.token", token, 0600);

    Path local = server.root.resolve("home/node/admin.token");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));
    assertArrayEquals(token, session.readFile("/home/node/admin.token"));
    assertTrue(session.exists("/home/node/admin.token"));

    session.writeFile("/home/node/admin.token", new byte[0], 0644);
    assertEquals(0, session.readFile("/home/node/admin.token").length, "replaced, not appended");
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(local)));
  }

  @Test
  void readingAMissingFileSaysItDoesNotExist() {
    assertFalse(assertDoesNotThrowExists("/missing"));
    SshException e = assertThrows(SshException.class, () -> session.readFile("/missing"));
    assertEquals("error: cannot read la:/missing: it does not exist", e.getMessage());
  }

  @Test
  void uploadTreeCopiesDirectoriesAndModesAndCanRunAgain() throws Exception {
    Path dist = dir.resolve("dist");
    Files.createDirectories(dist.resolve("bin"));
    Files.createDirectories(dist.resolve("lib/sub"));
    Files.writeString(dist.resolve("bin/tako-node"), "#!/bin/sh\necho hi\n");
    Files.setPosixFilePermissions(
        dist.resolve("bin/tako-node"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(dist.resolve("lib/a.jar"), "jar a");
    Files.writeString(dist.resolve("lib/sub/b.jar"), "jar b");

    session.uploadTree(dist, "/opt/tako/node");
    Path remote = server.root.resolve("opt/tako/node");
    assertEquals("jar b", Files.readString(remote.resolve("lib/sub/b.jar")));
    assertEquals(
        "rwxr-xr-x",
        PosixFilePermissions.toString(
            Files.getPosixFilePermissions(remote.resolve("bin/tako-node"))));

    Files.writeString(dist.resolve("lib/a.jar"), "jar a, version 2");
    session.uploadTree(dist, "/opt/tako/node/");
    assertEquals("jar a, version 2", Files.readString(remote.resolve("lib/a.jar")));
    try (Stream<Path> all = Files.walk(remote)) {
      assertEquals(0, all.filter(p -> p.getFileName().toString().contains(".part-")).count());
    }
  }

  @Test
  void aForwardedPortReachesALoopbackServiceOnTheServer() throws Exception {
    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    http.createContext(
        "/",
        ex -> {
          byte[] body = "hello through the tunnel".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    http.start();
    try {
      int local = session.forwardLocalPort("127.0.0.1", http.getAddress().getPort());
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + local + "/"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        assertEquals("hello through the tunnel", r.body());
      }

      session.close();
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (listening(local)) {
        assertTrue(System.nanoTime() < deadline, "the forward must stop with the session");
        Thread.onSpinWait();
      }
    } finally {
      http.stop(0);
    }
  }

  @Test
  void execReturnsStatusAndOutput() throws Exception {
    ExecResult r = session.exec("sh -c 'echo out; echo err >&2; exit 3'", Duration.ofSeconds(20));
    assertEquals(new ExecResult(3, "out\n", "err\n"), r);
  }

  private boolean assertDoesNotThrowExists(String path) {
    try {
      return session.exists(path);
    } catch (SshException e) {
      throw new AssertionError(e);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static long countFiles(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.count();
    }
  }
}
