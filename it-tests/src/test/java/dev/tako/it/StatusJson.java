package dev.tako.it;

import com.fasterxml.jackson.databind.JsonNode;

/** Reading {@code tako status --json} (or a node's {@code /v1/status}) in tests (SPEC §5). */
final class StatusJson {
  private StatusJson() {}

  /** The member status of {@code server} ({@code up}, {@code unreachable}, …), or "missing". */
  static String memberStatus(JsonNode view, String server) {
    for (JsonNode m : view.get("cluster").get("members")) {
      if (m.get("server").asText().equals(server)) {
        return m.get("status").asText();
      }
    }
    return "missing";
  }

  /** The server entry of {@code app} on {@code server}, or null. */
  static JsonNode serverEntry(JsonNode view, String app, String server) {
    for (JsonNode a : view.get("apps")) {
      if (a.get("app").asText().equals(app)) {
        for (JsonNode s : a.get("servers")) {
          if (s.get("server").asText().equals(server)) {
            return s;
          }
        }
      }
    }
    return null;
  }
}
