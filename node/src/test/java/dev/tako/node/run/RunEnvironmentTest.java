package dev.tako.node.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.node.NodeSettings;
import dev.tako.node.NodeTesting;
import dev.tako.node.deploy.ProcessEnvironment;
import dev.tako.node.secrets.NodeKey;
import dev.tako.persistence.ArtifactStore;
import dev.tako.persistence.NodeLedger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The environment of a one-off command: the instances' environment without PORT. */
class RunEnvironmentTest {
  @TempDir Path home;

  private RunEnvironment run(NodeLedger.State state, String app) throws Exception {
    NodeSettings settings = NodeTesting.nodeSettings("la", home);
    NodeKey key = NodeKey.loadOrCreate(home);
    ProcessEnvironment processes =
        new ProcessEnvironment(
            settings, new ArtifactStore(home), key, LoggerFactory.getLogger("test"));
    return RunEnvironment.of(
        state,
        processes,
        "la",
        app,
        NodeTesting.ENV,
        Map.of("PATH", "/usr/bin:/bin", "HOME", "/root", "SECRET_OF_THE_NODE", "no"));
  }

  private NodeLedger.State deployed(Map<String, String> vars, Map<String, String> secrets)
      throws Exception {
    var request = NodeTesting.request("r2", "sha", List.of("la"), vars);
    var record = new NodeLedger.ReleaseRecord("r2", request, "2026-01-01T00:00:00Z", "tester");
    var app =
        new NodeLedger.AppState(NodeTesting.APP, NodeTesting.ENV, List.of(record), "r2", null);
    var sealed = NodeKey.loadOrCreate(home).seal(NodeTesting.APP, NodeTesting.ENV, secrets);
    return new NodeLedger.State(
        Map.of(NodeLedger.State.key(NodeTesting.APP, NodeTesting.ENV), app),
        Map.of(
            NodeLedger.State.key(NodeTesting.APP, NodeTesting.ENV),
            NodeLedger.Secrets.of(sealed, "digest")));
  }

  @Test
  void hasVarsSecretsAndTakoVariablesButNoPort() throws Exception {
    var state =
        deployed(Map.of("GREETING", "hi", "PORT", "1234"), Map.of("SECRET_X", "s3cr3t 'q'"));
    RunEnvironment r = run(state, NodeTesting.APP);
    assertNull(r.error());
    assertEquals("r2", r.release());
    assertTrue(r.dir().endsWith("r2"), r.dir().toString());
    Map<String, String> env = r.env();
    assertEquals("hi", env.get("GREETING"));
    assertEquals("s3cr3t 'q'", env.get("SECRET_X"));
    assertEquals(NodeTesting.APP, env.get("TAKO_APP"));
    assertEquals(NodeTesting.ENV, env.get("TAKO_ENV"));
    assertEquals("r2", env.get("TAKO_RELEASE"));
    assertEquals("la", env.get("TAKO_SERVER"));
    assertTrue(env.containsKey("TAKO_REGION"));
    assertTrue(env.containsKey("TAKO_DATA_DIR"));
    assertFalse(env.containsKey("PORT"), env.toString());
    assertEquals("/usr/bin:/bin", env.get("PATH"));
    assertEquals("/root", env.get("HOME"));
    assertFalse(env.containsKey("SECRET_OF_THE_NODE"), "only PATH, HOME, locale, TZ are inherited");
  }

  @Test
  void anAppWithoutACurrentReleaseHereIsAnError() throws Exception {
    RunEnvironment r = run(NodeLedger.State.empty(), "nope");
    assertNull(r.dir());
    assertTrue(r.error().contains("nope (production) has no current release on la"), r.error());
  }
}
