package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.protocol.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tako dev} as a developer uses it (issue 7): the real CLI from the built distribution with
 * a fresh TAKO_HOME and a free {@code --port}, a small Node app, and clients that trust nothing but
 * {@code $TAKO_HOME/ca/ca.crt}: curl ({@code --cacert}, {@code --resolve}), Java's HttpClient (in a
 * JVM whose resolver maps the dev hosts to 127.0.0.1) and headless Chromium (screenshot and DOM; by
 * the CA's SPKI hash, and by the CA in an NSS database). Then: a changed var restarts the app with
 * it, a broken tako.toml keeps it running, a route change moves it without a restart, a development
 * secret reaches it, a killed app is restarted, a second app shares the same proxy, and stopping
 * both (SIGTERM) leaves no process and frees the ports.
 */
class DevIT {
  @TempDir Path tmp;
  private final List<BackgroundTako> running = new ArrayList<>();

  @AfterEach
  void stopAll() throws Exception {
    for (BackgroundTako t : running) {
      t.close();
    }
  }

  /** A Node app answering {@code <h1>GREETING from TAKO_APP</h1>} plus its pid and env. */
  static Path nodeApp(Path dir, String name, String extraJs) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(
        dir.resolve("server.js"),
        extraJs
            + "\nrequire('http').createServer((q, s) => {\n"
            + "  if (q.url === '/healthz') { s.end('ok'); return; }\n"
            + "  s.setHeader('content-type', 'text/html');\n"
            + "  s.end('<html><body><h1 style=\"font-size:48px\">' + process.env.GREETING + ' from '"
            + " + process.env.TAKO_APP + '</h1><p>pid=' + process.pid + ' env=' +"
            + " process.env.TAKO_ENV + ' proto=' + q.headers['x-forwarded-proto'] + ' token=' +"
            + " process.env.TOKEN + ' child=' + (global.childPid || 0) + '</p></body></html>');\n"
            + "}).listen(+process.env.PORT, process.env.HOST, () => console.log('listening on'"
            + " + ' ' + process.env.PORT));\n");
    Files.writeString(
        dir.resolve("tako.toml"),
        "name = \""
            + name
            + "\"\nruntime = \"node\"\nmain = \"server.js\"\nhealth = \"/healthz\"\n\n"
            + "[vars]\nGREETING = \"hi\"\n\n[vars.development]\nGREETING = \"hello dev\"\n\n"
            + "[envs.production]\nroutes = [\""
            + name
            + ".example.com\"]\nservers = [\"la\"]\n");
    return dir;
  }

  @Test
  void servesTheAppOverTrustedHttpsRestartsItAndLeavesNothingBehind() throws Exception {
    Path home = tmp.resolve("home");
    TakoCli tako = new TakoCli(home, Map.of());
    int port = freePortPair();
    Path web = nodeApp(tmp.resolve("web"), "web", "");
    Path ca = home.resolve("ca/ca.crt");

    BackgroundTako one = start(tako, web, port);
    String first = await(ca, port, "web.localhost", b -> b.contains("hello dev from web"), one);
    assertTrue(first.contains("env=development"), first);
    assertTrue(first.contains("proto=https"), first);
    long webPid = pidIn(first);
    assertEquals("rw-------", perms(home.resolve("ca/ca.key")));

    // Java's HttpClient trusting only the CA, with full host name verification.
    assertTrue(javaClient(ca, port, "web.localhost").startsWith("200 "), "Java HttpClient");
    // Plain HTTP on the port below redirects to HTTPS.
    String redirect =
        curl(
            List.of(
                "-sS",
                "-i",
                "http://127.0.0.1:" + (port - 1) + "/a?b=1",
                "-H",
                "Host: web.localhost"));
    assertTrue(redirect.startsWith("HTTP/1.1 307"), redirect);
    assertTrue(redirect.contains("Location: https://web.localhost:" + port + "/a?b=1"), redirect);

    chromiumShowsThePage(ca, port);

    // A var of [vars.development] changes: the app restarts with it.
    replaceInFile(web.resolve("tako.toml"), "\"hello dev\"", "\"changed var\"");
    String changed = await(ca, port, "web.localhost", b -> b.contains("changed var from web"), one);
    assertNotEquals(webPid, pidIn(changed), "a new process");
    webPid = pidIn(changed);

    // A broken tako.toml: the error is shown, the app keeps running as it was.
    String good = Files.readString(web.resolve("tako.toml"));
    Files.writeString(web.resolve("tako.toml"), good + "\nbogus_key = 1\n");
    awaitStderr(one, "bogus_key");
    assertTrue(one.stderr().contains("still running the previous configuration"), one.stderr());
    assertEquals(webPid, pidIn(get(ca, port, "web.localhost")));

    // Routes change without a restart.
    Files.writeString(
        web.resolve("tako.toml"), good + "\n[envs.development]\nroutes = [\"site.localhost\"]\n");
    String moved = await(ca, port, "site.localhost", b -> b.contains("changed var"), one);
    assertEquals(webPid, pidIn(moved), "the same process serves the new route");
    assertTrue(curlStatus(ca, port, "web.localhost").equals("404"), "the old route is gone");

    // A development secret reaches the app (and restarts it).
    TakoCli.Result set =
        withStdin(
            tako, web, "s3cret-dev-value\n", "secrets", "set", "TOKEN", "--env", "development");
    assertEquals(0, set.exit(), set.toString());
    String withSecret =
        await(ca, port, "site.localhost", b -> b.contains("token=s3cret-dev-value"), one);
    webPid = pidIn(withSecret);

    // The app is killed: it is restarted, and tako dev says why.
    long killed = webPid;
    kill9(killed);
    String restarted = await(ca, port, "site.localhost", b -> pidIn(b) != killed, one);
    awaitStderr(one, "killed by SIGKILL");
    long afterKill = pidIn(restarted);
    assertNotEquals(webPid, afterKill);
    webPid = afterKill;

    // A second app beside it, on the same proxy; it runs a child process of its own.
    Path api =
        nodeApp(
            tmp.resolve("api"),
            "api",
            "global.childPid = require('child_process').spawn('sleep', ['600'],"
                + " {stdio: 'ignore'}).pid;");
    long proxyPid = proxyPid(home, port);
    BackgroundTako two = start(tako, api, port);
    String apiBody = await(ca, port, "api.localhost", b -> b.contains("hello dev from api"), two);
    long apiPid = pidIn(apiBody);
    long childPid = Long.parseLong(apiBody.replaceAll("(?s).*child=(\\d+).*", "$1"));
    assertTrue(childPid > 0 && ProcessHandle.of(childPid).isPresent(), "the app's child runs");
    assertEquals(proxyPid, proxyPid(home, port), "one dev proxy for both apps");
    assertTrue(get(ca, port, "site.localhost").contains("changed var from web"));
    assertTrue(one.stdout().contains("web  | listening on"), one.stdout());

    // Stop both the way Ctrl-C or kill does: everything ends, the ports are free.
    one.terminate();
    two.terminate();
    TakoCli.Result oneEnded = one.await(Duration.ofSeconds(30));
    TakoCli.Result twoEnded = two.await(Duration.ofSeconds(30));
    assertEquals(0, oneEnded.exit(), oneEnded.toString());
    assertEquals(0, twoEnded.exit(), twoEnded.toString());
    List<Long> pids = List.of(one.pid(), two.pid(), webPid, apiPid, childPid, proxyPid);
    Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .untilAsserted(
            () -> {
              for (long pid : pids) {
                assertFalse(
                    ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                    "process " + pid + " is still running");
              }
            });
    for (int p : new int[] {port, port - 1}) {
      try (ServerSocket s = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        assertEquals(p, s.getLocalPort());
      }
    }
    assertFalse(Files.exists(home.resolve("dev/proxy-" + port + ".json")));
    System.out.println("--- tako dev (web)\n" + oneEnded);
    System.out.println("--- tako dev (api)\n" + twoEnded);
  }

  @Test
  void aRouteAnotherAppServesIsRefusedWithItsName() throws Exception {
    Path home = tmp.resolve("home");
    TakoCli tako = new TakoCli(home, Map.of());
    int port = freePortPair();
    Path a = nodeApp(tmp.resolve("a"), "same", "");
    Path b = nodeApp(tmp.resolve("b"), "same", "");
    BackgroundTako first = start(tako, a, port);
    await(home.resolve("ca/ca.crt"), port, "same.localhost", x -> x.contains("hello dev"), first);

    TakoCli.Result second = tako.run(b, Duration.ofSeconds(60), "dev", "--port", "" + port);
    assertEquals(1, second.exit(), second.toString());
    assertTrue(
        second
            .err()
            .contains(
                "error: route \"same.localhost\" is already served by tako dev"
                    + " of same in "
                    + a),
        second.err());
    // The refused one left nothing running (its supervisor removes an instance's pid file, run
    // file and FIFOs only once the process is gone; spare FIFO pairs made ahead for the next
    // launch belong to no instance).
    Path pids = b.resolve(".tako/dev/run");
    try (var files = Files.list(pids)) {
      assertEquals(
          List.of(),
          files.filter(f -> !f.getFileName().toString().startsWith("spare-")).toList(),
          "instance files left in " + pids);
    }
    assertTrue(first.alive());
    assertTrue(get(home.resolve("ca/ca.crt"), port, "same.localhost").contains("hello dev"));
  }

  private BackgroundTako start(TakoCli tako, Path app, int port) throws IOException {
    BackgroundTako t = BackgroundTako.start(tako, app, "dev", "--port", Integer.toString(port));
    running.add(t);
    return t;
  }

  /**
   * Headless Chromium renders the page when it trusts the CA by its SPKI hash (screenshot and DOM),
   * not under another key's hash, and (where certutil is installed) when the CA is in the user's
   * NSS database as {@code tako dev trust} puts it there, with no flag at all.
   */
  private void chromiumShowsThePage(Path ca, int port) throws Exception {
    X509Certificate cert =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(ca)));
    String spki =
        Base64.getEncoder()
            .encodeToString(
                MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded()));
    Path png = tmp.resolve("dev-page.png");
    String url = "https://web.localhost:" + port + "/";
    List<String> common =
        List.of(
            "/usr/bin/chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--ignore-certificate-errors-spki-list=" + spki,
            "--host-resolver-rules=MAP *.localhost 127.0.0.1",
            "--window-size=800,600");
    List<String> shot = new ArrayList<>(common);
    shot.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"));
    shot.add("--screenshot=" + png);
    shot.add(url);
    run(shot, Duration.ofSeconds(90));
    assertTrue(Files.exists(png), "chromium wrote no screenshot");
    assertTrue(Files.size(png) > 5_000, "a page, not a blank: " + Files.size(png) + " bytes");

    List<String> dom = new ArrayList<>(common);
    dom.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"));
    dom.add("--dump-dom");
    dom.add(url);
    String html = run(dom, Duration.ofSeconds(90));
    assertTrue(html.contains("hello dev from web"), "Chromium's DOM: " + html);
    Path keep = Path.of(System.getProperty("java.io.tmpdir"), "tako-dev-it-page.png");
    Files.copy(png, keep, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

    // The same with another key's hash: the certificate is not trusted, the page does not show.
    List<String> stranger = new ArrayList<>(common);
    stranger.set(
        stranger.indexOf("--ignore-certificate-errors-spki-list=" + spki),
        "--ignore-certificate-errors-spki-list="
            + Base64.getEncoder()
                .encodeToString(MessageDigest.getInstance("SHA-256").digest(new byte[] {1})));
    stranger.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"));
    stranger.add("--dump-dom");
    stranger.add(url);
    String refused = run(stranger, Duration.ofSeconds(90));
    assertFalse(refused.contains("hello dev from web"), "an untrusted certificate was accepted");

    // Trusted the way tako dev trust trusts it for browsers: the CA in the user's NSS database,
    // no flag; Chromium's own verifier accepts the leaves.
    String certutil = Files.isExecutable(Path.of("/usr/bin/certutil")) ? "/usr/bin/certutil" : null;
    if (certutil != null) {
      Path user = tmp.resolve("browser-user");
      Path nssdb = Files.createDirectories(user.resolve(".pki/nssdb"));
      run(
          List.of(certutil, "-N", "-d", "sql:" + nssdb, "--empty-password"),
          Duration.ofSeconds(30));
      run(
          List.of(
              certutil,
              "-d",
              "sql:" + nssdb,
              "-A",
              "-t",
              "C,,",
              "-n",
              "Tako dev CA",
              "-i",
              ca.toString()),
          Duration.ofSeconds(30));
      List<String> trusted = new ArrayList<>(common);
      trusted.removeIf(a -> a.startsWith("--ignore-certificate-errors-spki-list="));
      trusted.add("--user-data-dir=" + Files.createTempDirectory(tmp, "chromium"));
      trusted.add("--dump-dom");
      trusted.add(url);
      String viaNss = run(trusted, Duration.ofSeconds(90), Map.of("HOME", user.toString()));
      assertTrue(viaNss.contains("hello dev from web"), "Chromium with the CA in NSS: " + viaNss);
    }
  }

  /** GET over HTTPS with curl trusting only {@code ca}; the body. */
  static String get(Path ca, int port, String host) throws Exception {
    return curl(
        List.of(
            "-sS",
            "--fail-with-body",
            "--max-time",
            "20",
            "--cacert",
            ca.toString(),
            "--resolve",
            host + ":" + port + ":127.0.0.1",
            "https://" + host + ":" + port + "/"));
  }

  static String curlStatus(Path ca, int port, String host) throws Exception {
    return curl(
        List.of(
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--cacert",
            ca.toString(),
            "--resolve",
            host + ":" + port + ":127.0.0.1",
            "https://" + host + ":" + port + "/"));
  }

  static String curl(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("curl");
    cmd.addAll(args);
    return run(cmd, Duration.ofSeconds(30));
  }

  /** Awaits a body that satisfies {@code ok} from {@code host}, failing with the last one seen. */
  private static String await(
      Path ca, int port, String host, Predicate<String> ok, BackgroundTako tako) {
    AtomicReference<String> last = new AtomicReference<>("nothing");
    try {
      return Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                if (!Files.exists(ca)) {
                  return null;
                }
                try {
                  String body = get(ca, port, host);
                  last.set(body);
                  return body;
                } catch (AssertionError e) {
                  last.set(e.getMessage());
                  return null;
                }
              },
              b -> b != null && ok.test(b));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "https://"
              + host
              + ":"
              + port
              + "/ never answered as expected; last: "
              + last.get()
              + "\n--- tako dev stderr\n"
              + tako.stderr()
              + "\n--- stdout\n"
              + tako.stdout(),
          e);
    }
  }

  private static void awaitStderr(BackgroundTako tako, String text) {
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> tako.stderr().contains(text));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("tako dev never said " + text + ":\n" + tako.stderr(), e);
    }
  }

  /** The Java HttpClient, in a JVM that resolves {@code host} to 127.0.0.1 by a hosts file. */
  private String javaClient(Path ca, int port, String host) throws Exception {
    Path src = tmp.resolve("DevClient.java");
    Files.writeString(
        src,
        """
        import java.io.FileInputStream;
        import java.net.URI;
        import java.net.http.HttpClient;
        import java.net.http.HttpRequest;
        import java.net.http.HttpResponse;
        import java.security.KeyStore;
        import java.security.cert.CertificateFactory;
        import javax.net.ssl.SSLContext;
        import javax.net.ssl.TrustManagerFactory;

        public class DevClient {
          public static void main(String[] args) throws Exception {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            try (var in = new FileInputStream(args[1])) {
              trust.setCertificateEntry(
                  "tako-dev", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            HttpResponse<String> r =
                HttpClient.newBuilder().sslContext(tls).build()
                    .send(HttpRequest.newBuilder(URI.create(args[0])).build(),
                        HttpResponse.BodyHandlers.ofString());
            System.out.println(r.statusCode() + " " + r.body());
          }
        }
        """);
    Path hosts = tmp.resolve("hosts");
    Files.writeString(hosts, "127.0.0.1 " + host + "\n");
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String out =
        run(
            List.of(
                java,
                "-Djdk.net.hosts.file=" + hosts,
                src.toString(),
                "https://" + host + ":" + port + "/",
                ca.toString()),
            Duration.ofSeconds(60));
    assertTrue(out.contains("hello dev from web"), out);
    return out;
  }

  private static TakoCli.Result withStdin(TakoCli tako, Path cwd, String stdin, String... args)
      throws Exception {
    Path in = Files.createTempFile("tako-in", ".txt");
    Files.writeString(in, stdin);
    List<String> cmd = new ArrayList<>();
    cmd.add(TakoCli.dist().resolve("bin/tako").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.environment().put("TAKO_HOME", tako.home.toString());
    pb.redirectInput(in.toFile());
    pb.redirectErrorStream(true);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    Files.delete(in);
    return new TakoCli.Result(p.exitValue(), out, "");
  }

  static String run(List<String> cmd, Duration timeout) throws Exception {
    return run(cmd, timeout, Map.of());
  }

  /** Runs a command to its end; its stdout (stderr merged), failing on a non-zero exit. */
  static String run(List<String> cmd, Duration timeout, Map<String, String> env) throws Exception {
    Path out = Files.createTempFile("dev-it", ".out");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().putAll(env);
    Process p =
        pb.redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly().waitFor();
      throw new AssertionError(cmd.get(0) + " did not finish in " + timeout);
    }
    String text = Files.readString(out);
    Files.delete(out);
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", cmd) + " exited " + p.exitValue() + ": " + text);
    }
    return text;
  }

  private static long pidIn(String body) {
    String digits = body.replaceAll("(?s).*pid=(\\d+).*", "$1");
    return digits.equals(body) ? -1 : Long.parseLong(digits);
  }

  private static long proxyPid(Path home, int port) throws IOException {
    JsonNode info = Json.lenient().readTree(home.resolve("dev/proxy-" + port + ".json").toFile());
    return info.get("pid").asLong();
  }

  private static void kill9(long pid) throws Exception {
    run(List.of("kill", "-9", Long.toString(pid)), Duration.ofSeconds(10));
  }

  private static void replaceInFile(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " has no " + from);
    Files.writeString(file, text.replace(from, to));
  }

  private static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** A free port P whose neighbour P-1 is free too (HTTPS and HTTP of the dev proxy). */
  static int freePortPair() throws IOException {
    for (int i = 0; i < 200; i++) {
      int p = ThreadLocalRandom.current().nextInt(12_001, 32_000);
      try (ServerSocket a = new ServerSocket(p, 1, InetAddress.getLoopbackAddress());
          ServerSocket b = new ServerSocket(p - 1, 1, InetAddress.getLoopbackAddress())) {
        return p;
      } catch (IOException e) {
        // taken: another
      }
    }
    throw new IOException("no two adjacent free ports");
  }
}
