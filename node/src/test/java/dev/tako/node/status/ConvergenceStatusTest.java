package dev.tako.node.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tako.persistence.EnvHead;
import dev.tako.protocol.Json;
import dev.tako.protocol.api.StatusView;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What status shows of convergence: each app's {@code current} is the greatest head any server
 * reported (which side of a split won, and when), and a server catching up says so.
 */
class ConvergenceStatusTest {

  private static ServerStatus server(String server, String release, EnvHead head, String state) {
    var view =
        new StatusView.ServerAppView(
            server, server, release, 1, "http://127.0.0.1:1", false, List.of(), state);
    return new ServerStatus(
        server,
        server,
        List.of(new ServerStatus.AppOnServer("hello", "production", List.of(), view, head)));
  }

  private static EnvHead head(String release, long generation, long at, String by) {
    return new EnvHead(
        "hello",
        "production",
        release,
        "ab".repeat(32),
        List.of("la", "fra"),
        generation,
        at,
        by,
        EnvHead.DEPLOY,
        null);
  }

  @Test
  void theGreatestHeadIsTheAppsCurrentAndACatchingUpServerSaysSo() throws Exception {
    EnvHead la = head("r-la", 3, 1_000, "la");
    EnvHead fra = head("r-fra", 3, 2_000, "fra");
    var merged =
        StatusMerge.merge(
            List.of(
                new StatusView.Member("la", "la", "a", "up", "1"),
                new StatusView.Member("fra", "fra", "b", "up", "1")),
            Map.of(
                "la", server("la", "r-la", la, StatusView.ServerAppView.CATCHING_UP),
                "fra", server("fra", "r-fra", fra, null)),
            Map.of());
    StatusView.AppView app = merged.apps().get(0);
    assertEquals("r-fra", app.current().release());
    assertEquals("fra", app.current().decidedBy());
    assertEquals("1970-01-01T00:00:02Z", app.current().decidedAt());
    assertEquals(StatusView.ServerAppView.CATCHING_UP, app.servers().get(0).state());
    assertNull(app.servers().get(1).state());

    JsonNode json = Json.lenient().readTree(Json.write(merged));
    JsonNode current = json.get("apps").get(0).get("current");
    assertEquals("r-fra", current.get("release").asText());
    assertEquals(3, current.get("generation").asLong());
    assertEquals("fra", current.get("decided_by").asText());
    assertEquals(
        "catching-up", json.get("apps").get(0).get("servers").get(0).get("state").asText());
    assertEquals(false, json.get("apps").get(0).get("servers").get(1).has("state"));
  }

  @Test
  void noHeadNoCurrent() {
    var merged =
        StatusMerge.merge(
            List.of(new StatusView.Member("la", "la", "a", "up", "1")),
            Map.of("la", server("la", "r1", null, null)),
            Map.of());
    assertNull(merged.apps().get(0).current());
  }
}
