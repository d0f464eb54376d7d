package dev.tako.proxy.channels;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes of a server-sent events stream (WHATWG HTML §9.2): the response head, one event per
 * message ({@code id:} then one {@code data:} line per line of the message, whatever its line ends:
 * CRLF, LF or CR), the {@code tako-reset} event and keep-alive comments. Pure functions.
 */
public final class SseEvents {
  /** Sent when the history a client asked for is gone: it should reload what it shows. */
  public static final byte[] RESET =
      "event: tako-reset\ndata: reset\n\n".getBytes(StandardCharsets.US_ASCII);

  /** A comment line: ignored by clients, keeps the stream and what is in between open. */
  public static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);

  private SseEvents() {}

  /**
   * The response head of a stream: never gzipped, never cached, never buffered by a proxy in front;
   * it ends with the connection (no length, no chunks).
   */
  public static byte[] head(String requestId) {
    return ("HTTP/1.1 200 OK\r\n"
            + "Content-Type: text/event-stream; charset=utf-8\r\n"
            + "Cache-Control: no-cache, no-transform\r\n"
            + "X-Accel-Buffering: no\r\n"
            + "X-Request-ID: "
            + requestId
            + "\r\n"
            + "Connection: close\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** One message as an event. {@code id} never holds a line break (the hub's ids do not). */
  public static byte[] message(String id, byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + id.length() + 16);
    out.writeBytes(ID);
    out.writeBytes(id.getBytes(StandardCharsets.UTF_8));
    out.write('\n');
    int lineStart = 0;
    int i = 0;
    while (i < data.length) {
      byte b = data[i];
      if (b == '\n' || b == '\r') {
        line(out, data, lineStart, i);
        if (b == '\r' && i + 1 < data.length && data[i + 1] == '\n') {
          i++;
        }
        lineStart = i + 1;
      }
      i++;
    }
    line(out, data, lineStart, data.length);
    out.write('\n');
    return out.toByteArray();
  }

  private static void line(ByteArrayOutputStream out, byte[] data, int from, int to) {
    out.writeBytes(DATA);
    out.write(data, from, to - from);
    out.write('\n');
  }
}
