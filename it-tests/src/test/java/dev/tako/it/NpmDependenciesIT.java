package dev.tako.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §10 end to end on a 2-region playground with examples/express-app (Express from its
 * package-lock.json, started by scripts.start): each server installs the dependencies before the
 * start and the app answers through the proxy; a redeploy with only code changed installs nothing
 * ("dependencies unchanged"); a lockfile naming a version that does not exist is refused with npm's
 * error and the old release keeps serving. Needs npm and its registry (as CI has).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(SharedPlaygrounds.class)
class NpmDependenciesIT {
  static final List<String> REGIONS = List.of("la", "nyc");
  static final String HOST = "express.localhost";

  @TempDir static Path tmp;
  LocalPlayground playground;
  TakoCli tako;

  @BeforeAll
  void up() throws Exception {
    playground = SharedPlaygrounds.of(REGIONS);
    tako = playground.tako;
  }

  @Test
  @Order(1)
  void expressDeploysInstallsOnceAndABrokenLockfileChangesNothing() throws Exception {
    Path app = copyExample(tmp.resolve("express-app"));

    TakoCli.Result first = tako.run(app, Duration.ofMinutes(8), "deploy", "--json");
    assertEquals(0, first.exit(), first::toString);
    for (String region : REGIONS) {
      assertTrue(first.err().contains(region + ": dependencies installed in "), first::toString);
      assertFalse(Files.exists(app.resolve("node_modules")), "node_modules is never made locally");
    }
    String release1 = first.json().get("release").asText();
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(playground.proxyPorts.get(region), HOST, "/");
      assertEquals(200, r.statusCode(), r::body);
      assertTrue(r.body().contains("Hello from express"), r.body());
      assertTrue(r.body().contains(release1), r.body());
    }
    Path la = playground.nodeHomes.get("la").resolve("apps/express-app/production");
    assertTrue(
        Files.isSymbolicLink(la.resolve("releases").resolve(release1).resolve("node_modules")));
    assertEquals(1, installs(la), "one npm ci on la");
    // The install's output is in the app's logs.
    TakoCli.Result logs =
        tako.run(app, Duration.ofMinutes(1), "logs", "--server", "la", "--lines", "10000");
    assertEquals(0, logs.exit(), logs::toString);
    assertTrue(logs.out().contains("npm ci --omit=dev"), logs::toString);

    // Only code changed: the same install directory, nothing installed.
    Files.writeString(
        app.resolve("server.js"),
        Files.readString(app.resolve("server.js")).replace("from express", "from express v2"));
    TakoCli.Result second = tako.run(app, Duration.ofMinutes(5), "deploy", "--json");
    assertEquals(0, second.exit(), second::toString);
    String release2 = second.json().get("release").asText();
    assertNotEquals(release1, release2);
    for (String region : REGIONS) {
      assertTrue(second.err().contains(region + ": dependencies unchanged"), second::toString);
      HttpResponse<String> r = Http.get(playground.proxyPorts.get(region), HOST, "/");
      assertTrue(r.body().contains("from express v2") && r.body().contains(release2), r.body());
    }
    assertEquals(1, installs(la), "no install ran for the redeploy");
    assertEquals(
        Files.readSymbolicLink(la.resolve("releases").resolve(release1).resolve("node_modules")),
        Files.readSymbolicLink(la.resolve("releases").resolve(release2).resolve("node_modules")));

    // A version that does not exist: npm fails on every server, nothing switches.
    String version = lockedExpressVersion(app);
    replaceIn(app.resolve("package.json"), "\"^4.21.2\"", "\"99.99.99\"");
    replaceIn(app.resolve("package-lock.json"), "\"^4.21.2\"", "\"99.99.99\"");
    replaceIn(
        app.resolve("package-lock.json"),
        "\"node_modules/express\": {\n      \"version\": \"" + version + "\"",
        "\"node_modules/express\": {\n      \"version\": \"99.99.99\"");
    Files.writeString(
        app.resolve("server.js"),
        Files.readString(app.resolve("server.js")).replace("from express v2", "from express v3"));
    TakoCli.Result broken = tako.run(app, Duration.ofMinutes(5), "deploy", "--json");
    assertNotEquals(0, broken.exit(), broken::toString);
    String all = broken.out() + broken.err();
    assertTrue(all.contains("installing dependencies failed"), broken::toString);
    assertTrue(all.contains("npm error"), broken::toString);
    assertTrue(all.contains("99.99.99"), broken::toString);
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(playground.proxyPorts.get(region), HOST, "/");
      assertEquals(200, r.statusCode(), r::body);
      assertTrue(r.body().contains("from express v2") && r.body().contains(release2), r.body());
    }
    try (Stream<Path> deps = Files.list(la.resolve("deps"))) {
      assertEquals(1, deps.count(), "a failed install leaves no directory behind");
    }
  }

  /** SPEC §14: {@code tako delete} after the deploys above (their app, dependencies and logs). */
  @Test
  @Order(2)
  void deleteRemovesTheAppFromEveryServerAndKeepsItsDataUnlessPurged() throws Exception {
    Path app = tmp.resolve("express-app");
    if (!Files.exists(app)) {
      app = copyExample(app);
    }
    TakoCli.Result deployed = tako.run(app, Duration.ofMinutes(8), "deploy");
    // The broken lockfile of the test before may still be there: either way something runs.
    Path la = playground.nodeHomes.get("la").resolve("apps/express-app/production");
    assertTrue(Files.isDirectory(la.resolve("releases")), deployed::toString);
    Files.writeString(la.resolve("data").resolve("kept.txt"), "mine");

    TakoCli.Result unconfirmed = tako.run(app, Duration.ofMinutes(1), "delete");
    assertEquals(2, unconfirmed.exit(), unconfirmed::toString);
    assertTrue(unconfirmed.err().contains("--yes"), unconfirmed::toString);
    assertEquals(200, Http.get(playground.proxyPorts.get("la"), HOST, "/").statusCode());

    TakoCli.Result deleted = tako.run(app, Duration.ofMinutes(3), "delete", "--yes", "--json");
    assertEquals(0, deleted.exit(), deleted::toString);
    assertTrue(deleted.json().get("ok").asBoolean(), deleted::toString);
    for (var s : deleted.json().get("servers")) {
      assertEquals("deleted", s.get("result").asText(), deleted::toString);
    }
    for (String region : REGIONS) {
      HttpResponse<String> r = Http.get(playground.proxyPorts.get(region), HOST, "/");
      assertEquals(404, r.statusCode(), r::body);
    }
    try (Stream<Path> left = Files.list(la)) {
      assertEquals(List.of(la.resolve("data")), left.toList(), "only the data directory stays");
    }
    TakoCli.Result status = tako.run(tmp, Duration.ofMinutes(1), "status", "--json");
    assertEquals(0, status.exit(), status::toString);
    for (var a : status.json().get("apps")) {
      assertNotEquals("express-app", a.get("app").asText(), status::toString);
    }

    TakoCli.Result purged =
        tako.run(app, Duration.ofMinutes(3), "delete", "--yes", "--purge-data", "--json");
    assertEquals(0, purged.exit(), purged::toString);
    assertEquals("not-deployed", purged.json().get("servers").get(0).get("result").asText());
    assertFalse(Files.exists(la), "--purge-data removes the data directory too");
  }

  /** The "$ npm ci" lines tako writes to the install log, one per install that ran. */
  private static long installs(Path appEnv) throws IOException {
    Path log = appEnv.resolve("logs/express-app-install.out.log");
    if (!Files.exists(log)) {
      return 0;
    }
    return Files.readAllLines(log).stream().filter(l -> l.endsWith("$ npm ci --omit=dev")).count();
  }

  private static String lockedExpressVersion(Path app) throws IOException {
    var lock = dev.tako.protocol.Json.lenient().readTree(app.resolve("package-lock.json").toFile());
    return lock.get("packages").get("node_modules/express").get("version").asText();
  }

  private static void replaceIn(Path file, String from, String to) throws IOException {
    String text = Files.readString(file);
    assertTrue(text.contains(from), file + " has no " + from);
    Files.writeString(file, text.replace(from, to));
  }

  private static Path copyExample(Path to) throws IOException {
    Path example = TakoCli.dist().getParent().getParent().resolve("examples/express-app");
    Files.createDirectories(to);
    for (String f : List.of("package.json", "package-lock.json", "server.js", "tako.toml")) {
      Files.copy(example.resolve(f), to.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    return to;
  }
}
