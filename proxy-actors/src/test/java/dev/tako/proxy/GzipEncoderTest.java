package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

class GzipEncoderTest {

  /**
   * Feeds {@code input} in slices of {@code slice} bytes, flushing after each; returns the body.
   */
  private static byte[] encode(GzipEncoder encoder, byte[] input, int slice, boolean chunked) {
    encoder.start(chunked);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < input.length) {
      int n = Math.min(slice, input.length - i);
      int taken = 0;
      while (taken < n) {
        taken += encoder.consume(input, i + taken, n - taken);
        drain(encoder, out);
      }
      i += n;
      while (!encoder.flush()) {
        drain(encoder, out);
      }
      drain(encoder, out);
    }
    while (!encoder.finish()) {
      drain(encoder, out);
    }
    drain(encoder, out);
    assertTrue(encoder.finished());
    return out.toByteArray();
  }

  private static void drain(GzipEncoder encoder, ByteArrayOutputStream out) {
    if (encoder.hasOutput()) {
      ByteBuffer chunk = encoder.output();
      byte[] bytes = new byte[chunk.remaining()];
      chunk.get(bytes);
      out.write(bytes, 0, bytes.length);
    }
  }

  /** Decodes HTTP chunked framing, checking it ends with the last chunk. */
  static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    for (; ; ) {
      int lf = i;
      while (body[lf] != '\n') {
        lf++;
      }
      int size = Integer.parseInt(new String(body, i, lf - 1 - i, StandardCharsets.US_ASCII), 16);
      i = lf + 1;
      if (size == 0) {
        assertEquals(i + 2, body.length, "ends after the last chunk");
        return out.toByteArray();
      }
      out.write(body, i, size);
      i += size;
      assertEquals('\r', body[i]);
      assertEquals('\n', body[i + 1]);
      i += 2;
    }
  }

  static byte[] gunzip(byte[] gzip) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip))) {
      return in.readAllBytes();
    }
  }

  /** The same bytes in chunked framing, with odd chunk sizes, an extension and a trailer. */
  private static byte[] chunk(byte[] input) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Random random = new Random(3);
    int i = 0;
    boolean first = true;
    while (i < input.length) {
      int n = Math.min(1 + random.nextInt(5000), input.length - i);
      String line = Integer.toHexString(n) + (first ? ";ext=1" : "") + "\r\n";
      out.writeBytes(line.getBytes(StandardCharsets.US_ASCII));
      out.write(input, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      i += n;
      first = false;
    }
    out.writeBytes("0\r\nX-Trailer: 1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  @Test
  void roundTripsTextAndRandomBytesInAnySlices() throws IOException {
    GzipEncoder encoder = new GzipEncoder();
    byte[] text = "Hello, gzip! ".repeat(20_000).getBytes(StandardCharsets.UTF_8);
    byte[] random = new byte[300_000];
    new Random(1).nextBytes(random);
    for (byte[] input : new byte[][] {text, random, new byte[0], "x".getBytes()}) {
      for (int slice : new int[] {1, 7, 4096, 16 * 1024, 1 << 20}) {
        if (slice == 1 && input.length > 1000) {
          continue;
        }
        byte[] body = encode(encoder, input, slice, false);
        assertArrayEquals(input, gunzip(dechunk(body)), "slice " + slice);
      }
    }
    byte[] compressed = dechunk(encode(encoder, text, 1 << 20, false));
    assertTrue(compressed.length < text.length / 20, "compressed " + compressed.length);
    encoder.end();
  }

  @Test
  void decodesChunkedInput() throws IOException {
    GzipEncoder encoder = new GzipEncoder();
    byte[] text = "chunk me, ".repeat(10_000).getBytes(StandardCharsets.UTF_8);
    byte[] chunked = chunk(text);
    for (int slice : new int[] {1, 3, 100, 8192, chunked.length}) {
      assertArrayEquals(text, gunzip(dechunk(encode(encoder, chunked, slice, true))));
    }
    encoder.end();
  }

  @Test
  void eachFlushMakesTheInputSoFarDecodable() throws IOException {
    GzipEncoder encoder = new GzipEncoder();
    encoder.start(false);
    byte[] event = "data: first\n\n".getBytes(StandardCharsets.UTF_8);
    encoder.consume(event, 0, event.length);
    assertFalse(encoder.hasOutput());
    assertTrue(encoder.flush());
    assertTrue(encoder.hasOutput());
    ByteBuffer chunk = encoder.output();
    byte[] bytes = new byte[chunk.remaining()];
    chunk.get(bytes);
    byte[] deflated = dechunk(concat(bytes, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    // A sync-flushed gzip stream without its end: the first event decodes already.
    java.util.zip.Inflater inflater = new java.util.zip.Inflater(true);
    inflater.setInput(deflated, 10, deflated.length - 10);
    byte[] out = new byte[100];
    int n;
    try {
      n = inflater.inflate(out);
    } catch (java.util.zip.DataFormatException e) {
      throw new AssertionError(e);
    }
    assertEquals("data: first\n\n", new String(out, 0, n, StandardCharsets.UTF_8));
    encoder.end();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
