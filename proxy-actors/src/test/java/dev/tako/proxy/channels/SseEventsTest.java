package dev.tako.proxy.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEventsTest {
  private static String event(String id, String data) {
    return new String(
        SseEvents.message(id, data.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void oneLineMessage() {
    assertEquals("id: 7\ndata: hello\n\n", event("7", "hello"));
  }

  @Test
  void everyLineEndStartsADataLine() {
    assertEquals("id: 1\ndata: a\ndata: b\ndata: c\ndata: d\n\n", event("1", "a\nb\r\nc\rd"));
    assertEquals("id: 1\ndata: a\ndata: \n\n", event("1", "a\n"));
    assertEquals("id: 1\ndata: \ndata: \n\n", event("1", "\r\n"));
  }

  @Test
  void emptyAndUnicodeMessages() {
    assertEquals("id: 2\ndata: \n\n", event("2", ""));
    assertEquals("id: 3\ndata: héllo ☃\n\n", event("3", "héllo ☃"));
  }

  @Test
  void headResetAndKeepAlive() {
    String head = new String(SseEvents.head("req-1"), StandardCharsets.US_ASCII);
    assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
    assertTrue(head.contains("Content-Type: text/event-stream"), head);
    assertTrue(head.contains("X-Request-ID: req-1\r\n"), head);
    assertTrue(head.endsWith("\r\n\r\n"), head);
    assertTrue(!head.toLowerCase().contains("content-length"), head);
    assertTrue(!head.toLowerCase().contains("content-encoding"), head);
    assertEquals(
        "event: tako-reset\ndata: reset\n\n", new String(SseEvents.RESET, StandardCharsets.UTF_8));
    assertTrue(new String(SseEvents.KEEP_ALIVE, StandardCharsets.UTF_8).startsWith(":"));
  }
}
