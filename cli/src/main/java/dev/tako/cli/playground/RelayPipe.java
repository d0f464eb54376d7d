package dev.tako.cli.playground;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;

/**
 * One direction of a relayed connection: the bytes read from {@code from}, each chunk stamped with
 * the time it may be written to {@code to}. Chunks leave strictly in the order they came, so a
 * delay never reorders a stream; the end of the stream is queued like data, so it arrives after the
 * last byte. Not thread-safe: only the relay's selector thread touches it.
 */
final class RelayPipe {
  /** Reading stops while this much waits, so a slow or cut-off side pushes back on the sender. */
  static final long MAX_QUEUED = 4L << 20;

  /** A chunk of bytes, or the end of the stream when {@code data} is null. */
  private record Chunk(long due, ByteBuffer data) {}

  final SocketChannel from;
  final SocketChannel to;
  private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
  private long queued;
  private boolean endRead;
  private boolean endWritten;
  private boolean writeStalled;

  RelayPipe(SocketChannel from, SocketChannel to) {
    this.from = from;
    this.to = to;
  }

  void add(long due, ByteBuffer data) {
    queue.add(new Chunk(due, data));
    queued += data.remaining();
  }

  void addEnd(long due) {
    endRead = true;
    queue.add(new Chunk(due, null));
  }

  /** Whether {@code from} may be read: not at its end, and not too much waiting already. */
  boolean wantsRead() {
    return !endRead && queued < MAX_QUEUED;
  }

  /** Whether the last write did not take everything: wait until {@code to} is writable. */
  boolean writeStalled() {
    return writeStalled;
  }

  boolean endWritten() {
    return endWritten;
  }

  /**
   * Writes every chunk due by {@code now}, in order.
   *
   * @return the due time of the next chunk still waiting, or -1 when none waits or {@code to}
   *     cannot take more now (then {@link #writeStalled()} is true)
   */
  long flush(long now) throws IOException {
    writeStalled = false;
    while (!queue.isEmpty()) {
      Chunk c = queue.peek();
      if (c.due() > now) {
        return c.due();
      }
      if (c.data() == null) {
        to.shutdownOutput();
        endWritten = true;
        queue.poll();
        return -1;
      }
      queued -= to.write(c.data());
      if (c.data().hasRemaining()) {
        writeStalled = true;
        return -1;
      }
      queue.poll();
    }
    return -1;
  }
}
