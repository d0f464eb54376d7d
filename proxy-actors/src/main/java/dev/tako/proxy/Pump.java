package dev.tako.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;

/**
 * One direction of a proxied connection: a buffer filled from a source channel and drained, head
 * first, into a destination channel, as far as the current message's {@link BodyFramer} allows.
 * Non-blocking; it sets read/write interest itself (read interest off while the destination is
 * full, so memory stays bounded by the buffer). Bytes after the message end stay in the buffer (a
 * pipelined next request). Owned by one {@link ProxyConnection}, used on its event loop only.
 *
 * <p>Two variations for responses the proxy shapes itself: a {@link #file} as the source instead of
 * a channel (static files; it yields to other connections after {@link #FILE_SLICE} bytes), and a
 * {@link #gzip} encoder between source and destination (the body re-encoded and re-framed as
 * chunks, flushed whenever the source has nothing more for now).
 *
 * <p>I/O failures are results ({@link #SRC_ERROR}, {@link #DST_ERROR}) with {@link #failure} set,
 * so the connection can tell the visitor's side from the app's.
 */
final class Pump {
  static final int DONE = 0;
  static final int WANT_READ = 1;
  static final int WANT_WRITE = 2;
  static final int SRC_EOF = 3;
  static final int SRC_ERROR = 4;
  static final int DST_ERROR = 5;
  static final int MALFORMED = 6;
  static final int TOO_LARGE = 7;

  /** Returned by {@link #fill} on an I/O failure. */
  static final int FAILED = -2;

  /** Bytes of a file sent in one go before other connections of the loop get a turn. */
  static final int FILE_SLICE = 256 * 1024;

  byte[] buf;
  int start;
  int end;
  final BodyFramer framer = new BodyFramer();

  /** Pending head bytes, written before the body; null or drained when none. */
  ByteBuffer head;

  /** Largest body (framing included) accepted for one message. */
  long limit = Long.MAX_VALUE;

  ReadableByteChannel src;
  SelectionKey srcKey;
  GatheringByteChannel dst;
  SelectionKey dstKey;
  boolean srcEof;
  IOException failure;

  /** When set, the source of the body instead of {@link #src} (a static file); closed by owner. */
  FileChannel file;

  /** When set, the body bytes written are also kept here (a re-send or a Tako-Replay). */
  BodyCopy copy;

  /** When set, the body goes through this encoder instead of verbatim. */
  GzipEncoder gzip;

  private ByteBuffer readView;
  private ByteBuffer writeView;
  private final ByteBuffer[] pair = new ByteBuffer[2];

  /** Bytes from {@code start} accepted by the framer but not yet written. */
  private int ready;

  Pump(int capacity) {
    buf = new byte[capacity];
    readView = ByteBuffer.wrap(buf);
    writeView = ByteBuffer.wrap(buf);
  }

  /** Enlarges the buffer to {@code capacity} bytes (a message head over the usual size). */
  void grow(int capacity) {
    if (capacity > buf.length) {
      buf = java.util.Arrays.copyOf(buf, capacity);
      readView = ByteBuffer.wrap(buf);
      writeView = ByteBuffer.wrap(buf);
    }
  }

  /** Gives the buffer back: the connection's bytes no longer go through this pump (a channel). */
  void release() {
    buf = new byte[0];
    readView = ByteBuffer.wrap(buf);
    writeView = ByteBuffer.wrap(buf);
    start = 0;
    end = 0;
  }

  /** Starts a message: head to write first, framing of what follows. */
  void message(ByteBuffer head) {
    this.head = head;
    ready = 0;
  }

  /** The current message is complete and written out, not just read in. */
  boolean finished() {
    return framer.done()
        && ready == 0
        && (head == null || !head.hasRemaining())
        && (gzip == null || gzip.finished());
  }

  boolean buffered() {
    return start < end;
  }

  boolean full() {
    return start == 0 && end == buf.length;
  }

  /**
   * Reads once from the source into the free end of the buffer (compacting first if needed).
   *
   * @return bytes read, 0 when none are available or the buffer is full, -1 at end of stream,
   *     {@link #FAILED}
   */
  int fill() {
    if (start == end) {
      start = 0;
      end = 0;
    } else if (end == buf.length) {
      if (start == 0) {
        return 0;
      }
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    readView.limit(buf.length).position(end);
    int n;
    try {
      n = file != null ? file.read(readView) : src.read(readView);
    } catch (IOException e) {
      failure = e;
      return FAILED;
    }
    if (n > 0) {
      end += n;
    } else if (n < 0) {
      srcEof = true;
    }
    return n;
  }

  /** Moves as many bytes of the current message as the channels take now. */
  int pump() {
    if (gzip != null) {
      return pumpEncoded();
    }
    long sent = 0;
    for (; ; ) {
      int framed = frame();
      if (framed != GO_ON) {
        return framed;
      }
      boolean hasHead = head != null && head.hasRemaining();
      if (hasHead || ready > 0) {
        try {
          if (ready > 0) {
            writeView.limit(start + ready).position(start);
            if (hasHead) {
              pair[0] = head;
              pair[1] = writeView;
              dst.write(pair);
            } else {
              dst.write(writeView);
            }
            int written = writeView.position() - start;
            if (copy != null) {
              copy.add(buf, start, written);
            }
            start += written;
            ready -= written;
            sent += written;
          } else {
            dst.write(head);
          }
        } catch (IOException e) {
          failure = e;
          return DST_ERROR;
        }
        if (wrote((head != null && head.hasRemaining()) || ready > 0) != GO_ON) {
          return WANT_WRITE;
        }
        if (file != null && sent >= FILE_SLICE && !framer.done()) {
          return yieldTurn();
        }
        continue;
      }
      int flushed = flushTls();
      if (flushed != GO_ON) {
        return flushed;
      }
      if (framer.done()) {
        return DONE;
      }
      if (srcEof) {
        return SRC_EOF;
      }
      int n = fill();
      if (n == FAILED) {
        return SRC_ERROR;
      }
      if (n < 0) {
        if (framer.untilCloseMode()) {
          framer.closed();
          return DONE;
        }
        return SRC_EOF;
      }
      if (n == 0) {
        on(srcKey, SelectionKey.OP_READ);
        return WANT_READ;
      }
    }
  }

  /** A file never blocks: resume on the next write readiness, after other connections' events. */
  private int yieldTurn() {
    on(dstKey, SelectionKey.OP_WRITE);
    return WANT_WRITE;
  }

  /** {@link #pump} through the {@link #gzip} encoder. */
  private int pumpEncoded() {
    long sent = 0;
    for (; ; ) {
      int framed = frame();
      if (framed != GO_ON) {
        return framed;
      }
      boolean hasHead = head != null && head.hasRemaining();
      if (hasHead || gzip.hasOutput()) {
        ByteBuffer chunk = gzip.hasOutput() ? gzip.output() : null;
        try {
          if (hasHead && chunk != null) {
            pair[0] = head;
            pair[1] = chunk;
            sent += dst.write(pair);
          } else {
            sent += dst.write(hasHead ? head : chunk);
          }
        } catch (IOException e) {
          failure = e;
          return DST_ERROR;
        }
        if (wrote((head != null && head.hasRemaining()) || gzip.hasOutput()) != GO_ON) {
          return WANT_WRITE;
        }
        if (file != null && sent >= FILE_SLICE && !gzip.finished()) {
          return yieldTurn();
        }
        continue;
      }
      if (ready > 0) {
        int taken = gzip.consume(buf, start, ready);
        start += taken;
        ready -= taken;
        continue;
      }
      int flushed = flushTls();
      if (flushed != GO_ON) {
        return flushed;
      }
      if (framer.done()) {
        if (gzip.finished()) {
          return DONE;
        }
        gzip.finish();
        continue;
      }
      if (srcEof) {
        return SRC_EOF;
      }
      int n = fill();
      if (n == FAILED) {
        return SRC_ERROR;
      }
      if (n < 0) {
        if (framer.untilCloseMode()) {
          framer.closed();
          continue;
        }
        return SRC_EOF;
      }
      if (n == 0) {
        if (gzip.dirty()) {
          // Nothing more from the app for now: send what it gave so far.
          gzip.flush();
          continue;
        }
        on(srcKey, SelectionKey.OP_READ);
        return WANT_READ;
      }
    }
  }

  /** From the helpers below: nothing to report, the pump goes on. */
  private static final int GO_ON = -1;

  /** Lets the framer accept the buffered bytes of the message: {@link #GO_ON}, or why not. */
  private int frame() {
    if (ready == 0 && start < end && !framer.done()) {
      int n = framer.advance(buf, start, end);
      if (n < 0) {
        return MALFORMED;
      }
      if (framer.total() > limit) {
        return TOO_LARGE;
      }
      ready = n;
    }
    return GO_ON;
  }

  /**
   * After a write: {@link #WANT_WRITE} (write interest on, reading paused) when bytes are left,
   * else {@link #GO_ON} with write interest off unless encrypted bytes still wait.
   */
  private int wrote(boolean left) {
    if (left) {
      on(dstKey, SelectionKey.OP_WRITE);
      off(srcKey, SelectionKey.OP_READ);
      return WANT_WRITE;
    }
    if (!(dst instanceof TlsChannel tls && tls.hasPendingOutput())) {
      off(dstKey, SelectionKey.OP_WRITE);
    }
    return GO_ON;
  }

  /**
   * Encrypted bytes of what was taken that still wait for the visitor's socket: {@link #GO_ON} once
   * none are left, else {@link #WANT_WRITE} or {@link #DST_ERROR}.
   */
  private int flushTls() {
    if (dst instanceof TlsChannel tls && tls.hasPendingOutput()) {
      try {
        if (!tls.flush()) {
          off(srcKey, SelectionKey.OP_READ);
          return WANT_WRITE;
        }
      } catch (IOException e) {
        failure = e;
        return DST_ERROR;
      }
    }
    return GO_ON;
  }

  static void on(SelectionKey key, int op) {
    if (key != null && key.isValid()) {
      int ops = key.interestOps();
      if ((ops & op) == 0) {
        key.interestOps(ops | op);
      }
    }
  }

  static void off(SelectionKey key, int op) {
    if (key != null && key.isValid()) {
      int ops = key.interestOps();
      if ((ops & op) != 0) {
        key.interestOps(ops & ~op);
      }
    }
  }
}
