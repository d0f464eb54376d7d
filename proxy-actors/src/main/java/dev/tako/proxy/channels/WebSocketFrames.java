package dev.tako.proxy.channels;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * What the server sends on a channel's WebSocket (RFC 6455): the handshake's answer and unmasked
 * frames (text, ping, pong, close), each message in one frame. Channel messages go out as text
 * frames {@code {"id": "…", "data": "…"}}. Pure functions.
 */
public final class WebSocketFrames {
  public static final int TEXT = 0x1;
  public static final int BINARY = 0x2;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;
  public static final int PONG = 0xA;

  /** RFC 6455 §1.3: appended to the client's key before hashing. */
  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

  private WebSocketFrames() {}

  /** Whether a Sec-WebSocket-Key is the base64 of 16 bytes, as RFC 6455 §4.1 demands. */
  public static boolean validKey(String key) {
    if (key == null || key.length() != 24) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Sec-WebSocket-Accept for a client's key. */
  public static String accept(String key) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      return Base64.getEncoder()
          .encodeToString(sha1.digest((key + GUID).getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-1", e);
    }
  }

  /** The 101 answer to a valid handshake. */
  public static byte[] handshake(String key, String requestId) {
    return ("HTTP/1.1 101 Switching Protocols\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: "
            + accept(key)
            + "\r\n"
            + "X-Request-ID: "
            + requestId
            + "\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  /** A channel message as a text frame {@code {"id": "…", "data": "…"}}. */
  public static byte[] message(String id, byte[] data) {
    StringBuilder json = new StringBuilder(data.length + id.length() + 24);
    json.append("{\"id\":");
    Json.string(json, id);
    json.append(",\"data\":");
    Json.string(json, new String(data, StandardCharsets.UTF_8));
    json.append('}');
    return frame(TEXT, json.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** A text frame carrying a small JSON object (reset, errors). */
  public static byte[] text(String json) {
    return frame(TEXT, json.getBytes(StandardCharsets.UTF_8));
  }

  /** A close frame with a status code and a short reason (cut to fit 123 bytes). */
  public static byte[] close(int code, String reason) {
    byte[] r = reason == null ? new byte[0] : reason.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(r.length, 123);
    while (n > 0 && n < r.length && (r[n] & 0xC0) == 0x80) {
      n--; // never cut a UTF-8 sequence in two
    }
    byte[] payload = new byte[2 + n];
    payload[0] = (byte) (code >> 8);
    payload[1] = (byte) code;
    System.arraycopy(r, 0, payload, 2, n);
    return frame(CLOSE, payload);
  }

  /** One unmasked, final frame. */
  public static byte[] frame(int opcode, byte[] payload) {
    int len = payload.length;
    int header = len < 126 ? 2 : len <= 0xFFFF ? 4 : 10;
    byte[] out = new byte[header + len];
    out[0] = (byte) (0x80 | opcode);
    if (len < 126) {
      out[1] = (byte) len;
    } else if (len <= 0xFFFF) {
      out[1] = 126;
      out[2] = (byte) (len >> 8);
      out[3] = (byte) len;
    } else {
      out[1] = 127;
      for (int i = 0; i < 8; i++) {
        out[2 + i] = (byte) ((long) len >> (56 - 8 * i));
      }
    }
    System.arraycopy(payload, 0, out, header, len);
    return out;
  }

  /** JSON string literals, as RFC 8259 §7 says (control characters escaped). */
  static final class Json {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {}

    static void string(StringBuilder out, String s) {
      out.append('"');
      for (int i = 0; i < s.length(); i++) {
        char ch = s.charAt(i);
        switch (ch) {
          case '"' -> out.append("\\\"");
          case '\\' -> out.append("\\\\");
          case '\n' -> out.append("\\n");
          case '\r' -> out.append("\\r");
          case '\t' -> out.append("\\t");
          default -> {
            if (ch < 0x20) {
              out.append("\\u00").append(HEX[ch >> 4]).append(HEX[ch & 0xF]);
            } else {
              out.append(ch);
            }
          }
        }
      }
      out.append('"');
    }
  }
}
