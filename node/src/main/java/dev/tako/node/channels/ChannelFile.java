package dev.tako.node.channels;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * One channel's history on disk: an append-only file of the log's changes (promise, entry,
 * truncate, commit, new start), replayed at load and rewritten whole when it holds far more changes
 * than the log has entries. Each change reaches the operating system before the log counts it, so a
 * node that is killed keeps everything it acknowledged; {@code fsync} (tako.channels.fsync) also
 * survives a power loss, at a cost per message. A torn last record (killed mid-write) is cut off at
 * load. A file of our own rather than the node's LevelDB journal: channels write far more, and
 * their history is bounded by the retention, so a file per channel that is rewritten when it grows
 * is simpler than deleting journal events behind snapshots.
 */
public final class ChannelFile implements ChannelLog.Store, AutoCloseable {
  private static final byte PROMISE = 'P';
  private static final byte PUT = 'E';
  private static final byte TRUNCATE = 'X';
  private static final byte COMMIT = 'C';
  private static final byte START = 'S';

  private final Path path;
  private final boolean fsync;
  private FileChannel out;
  private long changes;
  private ChannelLog log;

  private ChannelFile(Path path, boolean fsync) throws IOException {
    this.path = path;
    this.fsync = fsync;
    this.out = open(path);
  }

  private static FileChannel open(Path path) throws IOException {
    return FileChannel.open(
        path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
  }

  /** Loads the channel's log from {@code path} (empty when there is none) and stores to it. */
  public static ChannelFile open(Path path, boolean fsync) throws IOException {
    Files.createDirectories(path.getParent());
    ChannelLog log = new ChannelLog();
    long good = 0;
    long changes = 0;
    if (Files.exists(path)) {
      try (InputStream raw = Files.newInputStream(path);
          DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 65536))) {
        while (true) {
          try {
            good += read(in, log);
            changes++;
          } catch (EOFException e) {
            break;
          }
        }
      }
      if (good < Files.size(path)) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
          ch.truncate(good);
        }
      }
    }
    ChannelFile file = new ChannelFile(path, fsync);
    file.changes = changes;
    file.log = log.storeTo(file);
    return file;
  }

  /** The log this file holds. */
  public ChannelLog log() {
    return log;
  }

  /** Reads one record into the log; returns its length. */
  private static long read(DataInputStream in, ChannelLog log) throws IOException {
    int len = in.readInt();
    if (len <= 0 || len > 1 << 20) {
      throw new EOFException("corrupt record");
    }
    byte[] body = new byte[len];
    in.readFully(body);
    DataInputStream r = new DataInputStream(new java.io.ByteArrayInputStream(body));
    byte kind = r.readByte();
    switch (kind) {
      case PROMISE -> log.loadPromised(ballot(r));
      case PUT -> log.loadPut(entry(r));
      case TRUNCATE -> log.loadTruncate(r.readLong());
      case COMMIT -> log.loadCommit(r.readLong());
      case START -> {
        long first = r.readLong();
        String id = r.readBoolean() ? r.readUTF() : null;
        Ballot born = ballot(r);
        log.loadStart(first, id, born, r.readBoolean());
      }
      default -> throw new EOFException("unknown record " + kind);
    }
    return 4L + len;
  }

  private static Ballot ballot(DataInputStream r) throws IOException {
    return new Ballot(r.readLong(), r.readUTF());
  }

  private static void ballot(DataOutputStream w, Ballot b) throws IOException {
    w.writeLong(b.n());
    w.writeUTF(b.server());
  }

  private static Entry entry(DataInputStream r) throws IOException {
    long seq = r.readLong();
    String id = r.readUTF();
    Ballot born = ballot(r);
    Ballot stamp = ballot(r);
    long at = r.readLong();
    byte[] data = new byte[r.readInt()];
    r.readFully(data);
    return new Entry(seq, id, born, stamp, at, data);
  }

  private static void entry(DataOutputStream w, Entry e) throws IOException {
    w.writeLong(e.seq());
    w.writeUTF(e.id());
    ballot(w, e.born());
    ballot(w, e.stamp());
    w.writeLong(e.atMillis());
    w.writeInt(e.data().length);
    w.write(e.data());
  }

  private interface Body {
    void write(DataOutputStream w) throws IOException;
  }

  private static byte[] record(byte kind, Body body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream w = new DataOutputStream(bytes);
    w.writeInt(0);
    w.writeByte(kind);
    body.write(w);
    w.flush();
    byte[] all = bytes.toByteArray();
    ByteBuffer.wrap(all).putInt(0, all.length - 4);
    return all;
  }

  private void append(byte kind, Body body) {
    try {
      ByteBuffer buf = ByteBuffer.wrap(record(kind, body));
      while (buf.hasRemaining()) {
        out.write(buf);
      }
      if (fsync) {
        out.force(false);
      }
      changes++;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path, e);
    }
  }

  @Override
  public void promised(Ballot ballot) {
    append(PROMISE, w -> ballot(w, ballot));
  }

  @Override
  public void put(Entry entry) {
    append(PUT, w -> entry(w, entry));
  }

  @Override
  public void truncateFrom(long seq) {
    append(TRUNCATE, w -> w.writeLong(seq));
  }

  @Override
  public void committed(long seq) {
    append(COMMIT, w -> w.writeLong(seq));
  }

  @Override
  public void startsAt(long first, String beforeId, Ballot beforeBorn, boolean clear) {
    append(START, w -> start(w, first, beforeId, beforeBorn, clear));
  }

  private static void start(
      DataOutputStream w, long first, String beforeId, Ballot beforeBorn, boolean clear)
      throws IOException {
    w.writeLong(first);
    w.writeBoolean(beforeId != null);
    if (beforeId != null) {
      w.writeUTF(beforeId);
    }
    ballot(w, beforeBorn);
    w.writeBoolean(clear);
  }

  /**
   * Rewrites the file from the log when it holds more than four changes per entry (commits and
   * trims add up), atomically (a new file moved over the old).
   */
  public void compactIfLarge() {
    if (changes < 4L * log.size() + 256) {
      return;
    }
    Path tmp = path.resolveSibling(path.getFileName() + ".tmp");
    try (FileChannel w =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING)) {
      long n = 0;
      n += write(w, record(PROMISE, d -> ballot(d, log.promised())));
      n +=
          write(
              w, record(START, d -> start(d, log.first(), log.idBefore(), log.bornBefore(), true)));
      for (long s = log.first(); s <= log.last(); s++) {
        Entry e = log.at(s);
        n += write(w, record(PUT, d -> entry(d, e)));
      }
      n += write(w, record(COMMIT, d -> d.writeLong(log.commit())));
      w.force(false);
      out.close();
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      out = open(path);
      changes = n;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot rewrite " + path, e);
    }
  }

  private static int write(FileChannel w, byte[] record) throws IOException {
    ByteBuffer buf = ByteBuffer.wrap(record);
    while (buf.hasRemaining()) {
      w.write(buf);
    }
    return 1;
  }

  @Override
  public void close() {
    try {
      out.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
