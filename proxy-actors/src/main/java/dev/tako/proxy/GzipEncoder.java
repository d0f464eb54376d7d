package dev.tako.proxy;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Compresses one response body on the fly into gzip, framed as HTTP/1.1 chunks: a {@link Pump}
 * feeds it the body bytes as they arrive (verbatim, or still chunked from the app, which it
 * decodes) and writes out the chunks it seals. Memory is one fixed output buffer plus the
 * deflater's state, whatever the body's size; the pump flushes ({@link Deflater#SYNC_FLUSH})
 * whenever its source has nothing more for now, so a streamed response is never held back.
 *
 * <p>Reused from response to response (pooled per {@link EventLoop}: the native deflater state is
 * about 256 KiB); used on its event loop only. Assumes the chunked framing it is fed was already
 * validated by the pump's {@link BodyFramer}.
 */
final class GzipEncoder {
  /** Smaller bodies are sent as they are (SPEC §9: text responses of 1 KiB or more). */
  static final long MIN_LENGTH = 1024;

  /** Speed over ratio: this runs on the event loop (nginx's default level too). */
  private static final int LEVEL = 1;

  /** Compressed bytes per chunk; four hex digits in the size line. */
  private static final int CAPACITY = 16 * 1024;

  /** "hhhh\r\n" before the chunk data. */
  private static final int SIZE_LINE = 6;

  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
  private static final byte[] HEX =
      "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  // Size line, data, CRLF, then room for the gzip trailer (8) and the last chunk (5).
  private final byte[] out = new byte[SIZE_LINE + CAPACITY + 8 + 2 + 5];
  private final ByteBuffer view = ByteBuffer.wrap(out);
  private final Deflater deflater = new Deflater(LEVEL, true);
  private final CRC32 crc = new CRC32();

  private int data;
  private boolean sealed;
  private boolean dirty;
  private boolean finished;
  private long size;

  private boolean dechunk;
  private final ChunkedDecoder decoder = new ChunkedDecoder();

  /**
   * Whether a response with this head is gzipped for a client that accepts gzip: compressible text
   * ({@link ContentTypes#compressible}: not server-sent events) of at least {@link #MIN_LENGTH}
   * bytes or of unknown length, not already encoded, not partial, no {@code no-transform}, and with
   * a body (not HEAD, 1xx, 204, 304).
   */
  static boolean eligible(HttpHead response, boolean headRequest) {
    int status = response.status();
    if (headRequest || status < 200 || status == 204 || status == 206 || status == 304) {
      return false;
    }
    long length = response.contentLength();
    if (length >= 0 && length < MIN_LENGTH) {
      return false;
    }
    return !response.encoded()
        && !response.transferCoded()
        && !response.hasContentRange()
        && !response.noTransform()
        && response.compressibleType();
  }

  /** Starts a body; {@code chunkedInput}: the bytes fed are still in chunked framing. */
  void start(boolean chunkedInput) {
    deflater.reset();
    crc.reset();
    size = 0;
    sealed = false;
    finished = false;
    dechunk = chunkedInput;
    decoder.reset();
    System.arraycopy(HEADER, 0, out, SIZE_LINE, HEADER.length);
    data = HEADER.length;
    dirty = true;
  }

  /** A sealed chunk is waiting to be written (see {@link #output}). */
  boolean hasOutput() {
    if (sealed && !view.hasRemaining()) {
      sealed = false;
      data = 0;
    }
    return sealed;
  }

  /** The sealed chunk's bytes still to write; the caller writes from it (advancing it). */
  ByteBuffer output() {
    return view;
  }

  /** Input was compressed since the last flush. */
  boolean dirty() {
    return dirty;
  }

  boolean finished() {
    return finished && !hasOutput();
  }

  /**
   * Compresses body bytes {@code buf[from, from + length)}.
   *
   * @return how many were taken: fewer when the output filled up (write {@link #output} first)
   */
  int consume(byte[] buf, int from, int length) {
    if (hasOutput()) {
      return 0;
    }
    int i = from;
    int end = from + length;
    while (i < end && !sealed) {
      if (!dechunk) {
        i += deflate(buf, i, end - i);
      } else if (decoder.data() > 0) {
        int taken = deflate(buf, i, (int) Math.min(decoder.data(), end - i));
        decoder.consumed(taken);
        i += taken;
      } else if (decoder.done()) {
        break; // nothing more belongs to the body
      } else {
        int n = decoder.framing(buf, i, end);
        if (n < 0) {
          throw new IllegalStateException("chunked body not validated by its BodyFramer");
        }
        i += n;
      }
    }
    return i - from;
  }

  private int deflate(byte[] buf, int from, int n) {
    if (n == 0) {
      return 0;
    }
    long before = deflater.getBytesRead();
    deflater.setInput(buf, from, n);
    while (!deflater.needsInput()) {
      int k = deflater.deflate(out, SIZE_LINE + data, CAPACITY - data, Deflater.NO_FLUSH);
      data += k;
      if (data == CAPACITY) {
        seal();
        break;
      }
    }
    int taken = (int) (deflater.getBytesRead() - before);
    crc.update(buf, from, taken);
    size += taken;
    dirty = true;
    return taken;
  }

  /**
   * Pushes what was compressed so far into a chunk ({@link Deflater#SYNC_FLUSH}).
   *
   * @return false when the output filled up first: write {@link #output}, then call again
   */
  boolean flush() {
    if (hasOutput()) {
      return false;
    }
    int k = deflater.deflate(out, SIZE_LINE + data, CAPACITY - data, Deflater.SYNC_FLUSH);
    data += k;
    if (data == CAPACITY) {
      seal();
      return false;
    }
    dirty = false;
    if (data > 0) {
      seal();
    }
    return true;
  }

  /**
   * Ends the body: the rest of the deflate stream, the gzip trailer and the last chunk.
   *
   * @return false when the output filled up first: write {@link #output}, then call again
   */
  boolean finish() {
    if (hasOutput()) {
      return false;
    }
    if (finished) {
      return true;
    }
    deflater.finish();
    while (!deflater.finished()) {
      data += deflater.deflate(out, SIZE_LINE + data, CAPACITY - data);
      if (data == CAPACITY) {
        seal();
        return false;
      }
    }
    int crcValue = (int) crc.getValue();
    int at = SIZE_LINE + data;
    for (int i = 0; i < 4; i++) {
      out[at + i] = (byte) (crcValue >>> (8 * i));
      out[at + 4 + i] = (byte) (size >>> (8 * i));
    }
    data += 8;
    seal();
    int limit = view.limit();
    out[limit] = '0';
    out[limit + 1] = '\r';
    out[limit + 2] = '\n';
    out[limit + 3] = '\r';
    out[limit + 4] = '\n';
    view.limit(limit + 5);
    dirty = false;
    finished = true;
    return true;
  }

  private void seal() {
    out[0] = HEX[(data >>> 12) & 0xf];
    out[1] = HEX[(data >>> 8) & 0xf];
    out[2] = HEX[(data >>> 4) & 0xf];
    out[3] = HEX[data & 0xf];
    out[4] = '\r';
    out[5] = '\n';
    out[SIZE_LINE + data] = '\r';
    out[SIZE_LINE + data + 1] = '\n';
    view.limit(SIZE_LINE + data + 2).position(0);
    sealed = true;
  }

  /** Frees the native deflater (when dropped from the pool). */
  void end() {
    deflater.end();
  }
}
