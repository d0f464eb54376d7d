package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.Test;

class PekkoForwardedHeadersTest {
  private static Map<String, String> byName(List<HttpHeader> headers) {
    Map<String, String> map = new LinkedHashMap<>();
    headers.forEach(h -> map.put(h.lowercaseName(), h.value()));
    return map;
  }

  @Test
  void dropsHopByHopAndConnectionNamedHeadersKeepsHost() {
    List<HttpHeader> in =
        List.of(
            RawHeader.create("Host", "app.test:8080"),
            RawHeader.create("Connection", "keep-alive, X-Secret, Host"),
            RawHeader.create("Keep-Alive", "timeout=5"),
            RawHeader.create("X-Secret", "s"),
            RawHeader.create("TE", "trailers"),
            RawHeader.create("Upgrade", "h2c"),
            RawHeader.create("Proxy-Authorization", "Basic x"),
            RawHeader.create("Timeout-Access", "x"),
            RawHeader.create("Accept", "text/plain"));
    Map<String, String> out =
        byName(PekkoForwardedHeaders.toUpstream(in, "10.0.0.9", "app.test:8080", "http", "id-1"));
    assertEquals(
        List.of(
            "host",
            "accept",
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-request-id"),
        List.copyOf(out.keySet()));
    assertEquals("app.test:8080", out.get("host"));
    assertEquals("10.0.0.9", out.get("x-forwarded-for"));
    assertEquals("http", out.get("x-forwarded-proto"));
    assertEquals("app.test:8080", out.get("x-forwarded-host"));
    assertEquals("id-1", out.get("x-request-id"));
  }

  @Test
  void appendsToForwardedForAndReplacesSpoofedForwardedHeaders() {
    List<HttpHeader> in =
        List.of(
            RawHeader.create("X-Forwarded-For", "1.1.1.1"),
            RawHeader.create("X-Forwarded-For", "2.2.2.2"),
            RawHeader.create("X-Forwarded-Proto", "https"),
            RawHeader.create("X-Forwarded-Host", "evil"));
    Map<String, String> out =
        byName(PekkoForwardedHeaders.toUpstream(in, "3.3.3.3", "h", "http", "i"));
    assertEquals("1.1.1.1, 2.2.2.2, 3.3.3.3", out.get("x-forwarded-for"));
    assertEquals("http", out.get("x-forwarded-proto"));
    assertEquals("h", out.get("x-forwarded-host"));
  }

  @Test
  void requestIdIsTheClientsWhenSaneElseGenerated() {
    assertEquals(
        "abc-123",
        PekkoForwardedHeaders.requestId(List.of(RawHeader.create("X-Request-ID", "abc-123"))));
    String generated =
        PekkoForwardedHeaders.requestId(List.of(RawHeader.create("X-Request-ID", "has space")));
    assertTrue(
        generated.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        generated);
    assertNotEquals(generated, PekkoForwardedHeaders.requestId(List.of()));
    assertNotEquals(
        "x".repeat(201),
        PekkoForwardedHeaders.requestId(
            List.of(RawHeader.create("X-Request-ID", "x".repeat(201)))));
  }

  @Test
  void responseDropsHopByHopAndCarriesTheRequestId() {
    List<HttpHeader> in =
        List.of(
            RawHeader.create("Connection", "close"),
            RawHeader.create("X-Request-ID", "app-made"),
            RawHeader.create("Cache-Control", "no-store"));
    Map<String, String> out = byName(PekkoForwardedHeaders.toVisitor(in, "req-1"));
    assertEquals(Map.of("cache-control", "no-store", "x-request-id", "req-1"), out);
  }
}
