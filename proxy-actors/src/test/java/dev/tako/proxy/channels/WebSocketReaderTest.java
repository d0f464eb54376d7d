package dev.tako.proxy.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Client frames, well-formed and hostile, as the proxy reads them. */
public class WebSocketReaderTest {
  private final List<String> events = new ArrayList<>();
  private final WebSocketReader reader =
      new WebSocketReader(
          new WebSocketReader.Listener() {
            @Override
            public void onText(byte[] utf8) {
              events.add("text:" + new String(utf8, StandardCharsets.UTF_8));
            }

            @Override
            public void onPing(byte[] payload) {
              events.add("ping:" + new String(payload, StandardCharsets.UTF_8));
            }

            @Override
            public void onClose(int code, String reason) {
              events.add("close:" + code + ":" + reason);
            }

            @Override
            public void onFail(int code, String reason) {
              events.add("fail:" + code + ":" + reason);
            }
          });

  private static final byte[] MASK = {0x37, (byte) 0xfa, 0x21, 0x3d};

  /** A frame as a client sends it; {@code lengthBytes} 0, 2 or 8 picks the length's encoding. */
  public static byte[] frame(int b0, byte[] payload, boolean masked, int lengthBytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(b0);
    int m = masked ? 0x80 : 0;
    long len = payload.length;
    if (lengthBytes == 0) {
      out.write(m | (int) len);
    } else if (lengthBytes == 2) {
      out.write(m | 126);
      out.write((int) (len >> 8));
      out.write((int) len);
    } else {
      out.write(m | 127);
      for (int i = 7; i >= 0; i--) {
        out.write((int) (len >> (8 * i)));
      }
    }
    if (masked) {
      out.writeBytes(MASK);
    }
    for (int i = 0; i < payload.length; i++) {
      out.write(masked ? payload[i] ^ MASK[i & 3] : payload[i]);
    }
    return out.toByteArray();
  }

  public static byte[] text(String s) {
    byte[] p = s.getBytes(StandardCharsets.UTF_8);
    return frame(0x81, p, true, p.length < 126 ? 0 : p.length <= 0xFFFF ? 2 : 8);
  }

  private void feed(byte[]... frames) {
    for (byte[] f : frames) {
      reader.feed(f, 0, f.length);
    }
  }

  /** Feeds one byte at a time: the reader must not care how reads split frames. */
  private void trickle(byte[] bytes) {
    for (int i = 0; i < bytes.length; i++) {
      reader.feed(bytes, i, i + 1);
    }
  }

  @Test
  void maskedTextMessagesOfEveryLengthEncoding() {
    String medium = "m".repeat(300);
    String large = "L".repeat(WebSocketReader.MAX_MESSAGE);
    feed(text("hi"), text(""), text(medium));
    trickle(text(large));
    assertEquals(List.of("text:hi", "text:", "text:" + medium, "text:" + large), events);
  }

  @Test
  void fragmentedTextWithAPingBetween() {
    feed(
        frame(0x01, "hel".getBytes(), true, 0),
        frame(0x89, "p".getBytes(), true, 0),
        frame(0x00, "lo ".getBytes(), true, 0),
        frame(0x80, "you".getBytes(), true, 0));
    assertEquals(List.of("ping:p", "text:hello you"), events);
  }

  @Test
  void unmaskedFramesAreAProtocolError() {
    feed(frame(0x81, "x".getBytes(), false, 0), text("after"));
    assertEquals(List.of("fail:1002:client frames must be masked"), events);
    assertTrue(reader.done());
  }

  @Test
  void oversizedLengthsAreRefusedBeforeAnyPayload() {
    byte[] header = {(byte) 0x81, (byte) (0x80 | 127), 0, 0, 0, 0, 0, 1, 0, 1};
    feed(header); // 65537 bytes announced, none sent
    assertEquals(List.of("fail:1009:message over 65536 bytes"), events);
  }

  @Test
  void fragmentsAddUpToTheLimit() {
    byte[] half = "h".repeat(WebSocketReader.MAX_MESSAGE / 2).getBytes();
    feed(
        frame(0x01, half, true, 2),
        frame(0x00, half, true, 2),
        frame(0x80, new byte[] {'x'}, true, 0));
    assertEquals(List.of("fail:1009:message over 65536 bytes"), events);
  }

  @Test
  void topBitOfA64BitLengthIsAProtocolError() {
    feed(new byte[] {(byte) 0x81, (byte) 0xFF, (byte) 0x80, 0, 0, 0, 0, 0, 0, 1});
    assertEquals(List.of("fail:1002:frame length with its top bit set"), events);
  }

  @Test
  void lengthsMustUseTheirShortestForm() {
    feed(frame(0x81, "short".getBytes(), true, 2));
    assertEquals(List.of("fail:1002:frame length not in its shortest form"), events);
  }

  @Test
  void lengthsMustUseTheirShortestFormIn64Bits() {
    feed(frame(0x81, "short".getBytes(), true, 8));
    assertEquals(List.of("fail:1002:frame length not in its shortest form"), events);
  }

  @Test
  void fragmentedControlFramesAreRefused() {
    feed(frame(0x09, "p".getBytes(), true, 0));
    assertEquals(List.of("fail:1002:fragmented control frame"), events);
  }

  @Test
  void controlFramesOver125BytesAreRefused() {
    feed(frame(0x89, new byte[126], true, 2));
    assertEquals(List.of("fail:1002:control frame longer than 125 bytes"), events);
  }

  @Test
  void reservedBitsAndUnknownOpcodes() {
    feed(frame(0xC1, "x".getBytes(), true, 0));
    assertEquals(List.of("fail:1002:reserved bits set without an extension"), events);
    List<String> other = new ArrayList<>();
    WebSocketReader r = readerInto(other);
    byte[] f = frame(0x83, "x".getBytes(), true, 0);
    r.feed(f, 0, f.length);
    assertEquals(List.of("fail:1002:unknown opcode 3"), other);
  }

  @Test
  void continuationWithoutAMessageAndTextInsideOne() {
    feed(frame(0x80, "x".getBytes(), true, 0));
    assertEquals(List.of("fail:1002:continuation frame without a message to continue"), events);
    List<String> other = new ArrayList<>();
    WebSocketReader r = readerInto(other);
    byte[] a = frame(0x01, "a".getBytes(), true, 0);
    byte[] b = frame(0x81, "b".getBytes(), true, 0);
    r.feed(a, 0, a.length);
    r.feed(b, 0, b.length);
    assertEquals(List.of("fail:1002:new message inside a fragmented one"), other);
  }

  @Test
  void binaryIsRefusedAndTextMustBeUtf8() {
    feed(frame(0x82, new byte[] {1, 2}, true, 0));
    assertEquals(List.of("fail:1003:binary messages are not accepted; send text"), events);
    List<String> other = new ArrayList<>();
    WebSocketReader r = readerInto(other);
    byte[] bad = frame(0x81, new byte[] {(byte) 0xC3, (byte) 0x28}, true, 0);
    r.feed(bad, 0, bad.length);
    assertEquals(List.of("fail:1007:text message is not valid UTF-8"), other);
  }

  @Test
  void closeFrames() {
    feed(frame(0x88, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'}, true, 0), text("ignored"));
    assertEquals(List.of("close:1000:bye"), events);
    List<String> other = new ArrayList<>();
    WebSocketReader r = readerInto(other);
    byte[] empty = frame(0x88, new byte[0], true, 0);
    r.feed(empty, 0, empty.length);
    assertEquals(List.of("close:1005:"), other);
    other.clear();
    r = readerInto(other);
    byte[] one = frame(0x88, new byte[] {3}, true, 0);
    r.feed(one, 0, one.length);
    assertEquals(List.of("fail:1002:close frame with a one-byte payload"), other);
    other.clear();
    r = readerInto(other);
    byte[] code = frame(0x88, new byte[] {0x03, (byte) 0xED}, true, 0); // 1005 may not be sent
    r.feed(code, 0, code.length);
    assertEquals(List.of("fail:1002:invalid close code 1005"), other);
  }

  @Test
  void serverFramesAndTheHandshakeAnswer() {
    // RFC 6455 §1.3's example.
    assertEquals(
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketFrames.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    assertTrue(WebSocketFrames.validKey("dGhlIHNhbXBsZSBub25jZQ=="));
    assertTrue(!WebSocketFrames.validKey("c2hvcnQ="));
    assertTrue(!WebSocketFrames.validKey("not base64 at all!!!!!!!"));
    byte[] small = WebSocketFrames.frame(WebSocketFrames.TEXT, new byte[5]);
    assertEquals(0x81, small[0] & 0xFF);
    assertEquals(5, small[1]);
    byte[] medium = WebSocketFrames.frame(WebSocketFrames.TEXT, new byte[300]);
    assertEquals(126, medium[1]);
    assertEquals(304, medium.length);
    byte[] large = WebSocketFrames.frame(WebSocketFrames.TEXT, new byte[70_000]);
    assertEquals(127, large[1]);
    assertEquals(70_010, large.length);
    byte[] m = WebSocketFrames.message("42", "a \"q\"\n\u0001".getBytes(StandardCharsets.UTF_8));
    String json = new String(m, 2, m[1], StandardCharsets.UTF_8);
    assertEquals("{\"id\":\"42\",\"data\":\"a \\\"q\\\"\\n\\u0001\"}", json);
  }

  private static WebSocketReader readerInto(List<String> into) {
    return new WebSocketReader(
        new WebSocketReader.Listener() {
          @Override
          public void onText(byte[] utf8) {
            into.add("text:" + new String(utf8, StandardCharsets.UTF_8));
          }

          @Override
          public void onPing(byte[] payload) {
            into.add("ping");
          }

          @Override
          public void onClose(int code, String reason) {
            into.add("close:" + code + ":" + reason);
          }

          @Override
          public void onFail(int code, String reason) {
            into.add("fail:" + code + ":" + reason);
          }
        });
  }
}
