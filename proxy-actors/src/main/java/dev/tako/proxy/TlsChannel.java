package dev.tako.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * A visitor's TLS connection as a non-blocking byte channel of plaintext, for the {@link Pump}s of
 * a {@link ProxyConnection}: {@link #read} decrypts (driving the handshake as it goes), {@link
 * #write} encrypts. One {@link SSLEngine} over the socket, used on the connection's event loop
 * only.
 *
 * <p>Non-blocking rules: {@code read} returns 0 only when it needs more bytes from the network (or
 * must first flush handshake bytes, in which case it has set write interest on the key itself);
 * decrypted bytes that did not fit the caller's buffer stay here ({@link #hasBufferedInput()}).
 * {@code write} reports the plaintext it took; encrypted bytes the socket did not take stay here
 * and go first on the next call or on {@link #flush()} ({@link #hasPendingOutput()}); write
 * interest is set on the key while any are pending.
 *
 * <p>A failed handshake or a corrupt record is an {@link SSLException} (an {@link IOException}):
 * the connection treats it as the visitor's failure and closes.
 */
final class TlsChannel implements ByteChannel, GatheringByteChannel {
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
  private static final ByteBuffer EMPTY_IN = ByteBuffer.allocate(0).asReadOnlyBuffer();

  /** From an unwrap step: the engine needs network bytes and the socket has none now. */
  private static final int NEED_NETWORK = Integer.MIN_VALUE;

  private final SocketChannel socket;
  private final SSLEngine engine;
  SelectionKey key;

  /** Encrypted bytes from the socket, fill mode: [0, position) not yet unwrapped. */
  private ByteBuffer netIn;

  /**
   * Decrypted bytes, drain mode: [position, limit) not yet handed out. Made only when a record is
   * decrypted while the reader's buffer has less room than a record: usually records go straight
   * into the reader's buffer.
   */
  private ByteBuffer appIn = EMPTY_IN;

  /** The largest plaintext of one record (grows if the engine ever says otherwise). */
  private int appSize;

  /** Encrypted bytes for the socket, drain mode: [position, limit) not yet written. */
  private final ByteBuffer netOut;

  private final ByteBuffer[] one = new ByteBuffer[1];
  private boolean inboundClosed;

  /**
   * Runs the handshake's expensive steps (key exchange, signature) away from the event loop, so
   * that a burst of new visitors does not hold up the requests of connected ones; null: inline.
   */
  private final Executor handshakeTasks;

  /** Called (on any thread) when offloaded handshake steps are done: drive the connection again. */
  Runnable onTasksDone = () -> {};

  /** The first handshake finished: later engine tasks (rare) run inline. */
  private boolean handshaken;

  /** Offloaded handshake steps are running: the engine must not be touched. */
  private volatile boolean busy;

  TlsChannel(SocketChannel socket, SSLEngine engine, Executor handshakeTasks) {
    this.socket = socket;
    this.engine = engine;
    this.handshakeTasks = handshakeTasks;
    int packet = engine.getSession().getPacketBufferSize();
    this.netIn = ByteBuffer.allocate(packet);
    this.appSize = engine.getSession().getApplicationBufferSize();
    this.netOut = ByteBuffer.allocate(packet);
    this.netOut.limit(0);
  }

  /** The first handshake finished: application data may flow. */
  boolean handshaken() {
    return handshaken;
  }

  /** Handshake steps run on another thread; {@link #onTasksDone} is called when they end. */
  boolean busy() {
    return busy;
  }

  /** Decrypted bytes wait here (a read will return them without touching the network). */
  boolean hasBufferedInput() {
    return appIn.hasRemaining();
  }

  /** Encrypted bytes wait for the socket. */
  boolean hasPendingOutput() {
    return netOut.hasRemaining();
  }

  /**
   * Writes pending encrypted bytes.
   *
   * @return true when none are left; false when the socket is full (write interest is set)
   */
  boolean flush() throws IOException {
    while (netOut.hasRemaining()) {
      if (socket.write(netOut) == 0) {
        Pump.on(key, SelectionKey.OP_WRITE);
        return false;
      }
    }
    return true;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (appIn.hasRemaining()) {
      return handOut(dst);
    }
    if (inboundClosed) {
      return -1;
    }
    if (busy) {
      return 0;
    }
    for (; ; ) {
      if (!flush()) {
        return 0;
      }
      switch (engine.getHandshakeStatus()) {
        case NEED_TASK -> {
          if (!runTasks()) {
            return 0;
          }
        }
        case NEED_WRAP -> wrapControl();
        default -> {
          int n = unwrap(dst);
          if (n == NEED_NETWORK) {
            return 0;
          }
          if (n != 0) {
            return n;
          }
        }
      }
    }
  }

  /**
   * One unwrap step.
   *
   * @return bytes handed to {@code dst}, -1 at the end of the stream, 0 to go on with the loop,
   *     {@link #NEED_NETWORK} to wait for the socket
   */
  private int unwrap(ByteBuffer dst) throws IOException {
    boolean direct = dst.remaining() >= appSize;
    if (!direct && appIn.capacity() < appSize) {
      appIn = ByteBuffer.allocate(appSize);
    }
    netIn.flip();
    if (!direct) {
      appIn.clear();
    }
    SSLEngineResult result;
    try {
      result = engine.unwrap(netIn, direct ? dst : appIn);
    } finally {
      netIn.compact();
      if (!direct) {
        appIn.flip();
      }
    }
    if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
      handshaken = true;
    }
    switch (result.getStatus()) {
      case OK -> {
        if (direct && result.bytesProduced() > 0) {
          return result.bytesProduced();
        }
        if (!direct && appIn.hasRemaining()) {
          return handOut(dst);
        }
        if (result.bytesConsumed() == 0
            && result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_UNWRAP) {
          return fromNetwork();
        }
        return 0;
      }
      case BUFFER_UNDERFLOW -> {
        if (netIn.position() == netIn.capacity()) {
          netIn = grow(netIn, engine.getSession().getPacketBufferSize());
        }
        return fromNetwork();
      }
      case BUFFER_OVERFLOW -> {
        // A record larger than announced (not seen in practice): decrypt via a larger own buffer.
        appSize = Math.max(engine.getSession().getApplicationBufferSize(), appSize + 4096);
        return 0;
      }
      case CLOSED -> {
        // close_notify from the visitor: answer it when the engine wants to, then end of stream.
        inboundClosed = true;
        if (engine.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP) {
          wrapControl();
          flush();
        }
        return -1;
      }
      default -> throw new SSLException("unexpected TLS state " + result.getStatus());
    }
  }

  /** Reads encrypted bytes: -1 at end of stream, 0 to unwrap again, {@link #NEED_NETWORK}. */
  private int fromNetwork() throws IOException {
    int n = socket.read(netIn);
    if (n < 0) {
      inboundClosed = true;
      try {
        engine.closeInbound();
      } catch (SSLException truncated) {
        // The visitor closed without close_notify: an ordinary end for HTTP/1.1 framing.
      }
      return -1;
    }
    return n == 0 ? NEED_NETWORK : 0;
  }

  private int handOut(ByteBuffer dst) {
    int n = Math.min(appIn.remaining(), dst.remaining());
    if (n == appIn.remaining()) {
      dst.put(appIn);
    } else {
      int limit = appIn.limit();
      appIn.limit(appIn.position() + n);
      dst.put(appIn);
      appIn.limit(limit);
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    one[0] = src;
    return (int) write(one, 0, 1);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long taken = 0;
    for (; ; ) {
      if (!flush()) {
        return taken;
      }
      if (!remaining(srcs, offset, length)) {
        return taken;
      }
      netOut.clear();
      SSLEngineResult result;
      try {
        result = engine.wrap(srcs, offset, length, netOut);
      } finally {
        netOut.flip();
      }
      taken += result.bytesConsumed();
      switch (result.getStatus()) {
        case OK -> {}
        case CLOSED -> throw new SSLException("the TLS connection is closed");
        default -> throw new SSLException("cannot encrypt: " + result.getStatus());
      }
      if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
        runTasksHere();
      }
      if (result.bytesConsumed() == 0 && result.bytesProduced() == 0) {
        // The engine waits for the visitor (a handshake message): nothing to send now.
        return taken;
      }
    }
  }

  /** Sends close_notify and shuts the socket's output once it is on the wire (best effort). */
  void shutdownOutput() throws IOException {
    engine.closeOutbound();
    wrapControl();
    if (flush()) {
      socket.shutdownOutput();
    }
  }

  /** Before closing: close_notify if the socket takes it now (never waits). */
  void goodbye() {
    // While handshake steps run elsewhere (a handshake cut by its deadline) the engine is theirs.
    if (busy || engine.isOutboundDone() || !socket.isOpen()) {
      return;
    }
    try {
      engine.closeOutbound();
      wrapControl();
      while (netOut.hasRemaining() && socket.write(netOut) > 0) {
        // as much as the socket takes
      }
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** Wraps what the engine has to send by itself (handshake, close_notify) into the output. */
  private void wrapControl() throws IOException {
    one[0] = EMPTY;
    netOut.compact();
    SSLEngineResult result;
    try {
      result = engine.wrap(one, 0, 1, netOut);
    } finally {
      netOut.flip();
    }
    if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
      throw new SSLException("TLS output buffer too small");
    }
    if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED) {
      handshaken = true;
    }
    // NEED_TASK: the read loop sees it next.
  }

  /**
   * Runs the engine's pending steps: on the handshake executor during the first handshake (then
   * returns false: read interest is off until {@link #onTasksDone}), else here (returns true).
   */
  private boolean runTasks() {
    if (handshaken || handshakeTasks == null) {
      runTasksHere();
      return true;
    }
    busy = true;
    Pump.off(key, SelectionKey.OP_READ);
    try {
      handshakeTasks.execute(
          () -> {
            try {
              runTasksHere();
            } finally {
              busy = false;
              onTasksDone.run();
            }
          });
    } catch (RejectedExecutionException e) {
      busy = false;
      runTasksHere();
      return true;
    }
    return false;
  }

  private void runTasksHere() {
    Runnable task;
    while ((task = engine.getDelegatedTask()) != null) {
      task.run();
    }
  }

  private static boolean remaining(ByteBuffer[] srcs, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      if (srcs[i].hasRemaining()) {
        return true;
      }
    }
    return false;
  }

  private static ByteBuffer grow(ByteBuffer b, int atLeast) {
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(b.capacity() * 2, atLeast));
    b.flip();
    bigger.put(b);
    return bigger;
  }

  @Override
  public boolean isOpen() {
    return socket.isOpen();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
