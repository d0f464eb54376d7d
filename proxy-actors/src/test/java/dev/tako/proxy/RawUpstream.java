package dev.tako.proxy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;

/**
 * A small HTTP/1.1 app on raw sockets for the streaming tests, one request per connection, with
 * fixed buffers so that it adds no garbage of its own to heap measurements:
 *
 * <ul>
 *   <li>{@code POST /upload}: reads the body (sized or chunked), answers "bytes crc" of it;
 *   <li>{@code GET /download?<bytes>[&chunked]}: sends {@link #pattern} bytes;
 *   <li>{@code POST /continue}: answers {@code 100 Continue} first, then echoes the body;
 *   <li>{@code GET /sse?<n>}: n server-sent events, the next only once {@link #nextEvent} is
 *       released (or "late" after 10 s);
 *   <li>{@code GET /ws}: a WebSocket echo (handshake by hand; echoes text and binary messages,
 *       answers ping and close).
 * </ul>
 */
final class RawUpstream implements AutoCloseable {
  /** The block the download repeats; uploads use it too. */
  static final byte[] BLOCK = new byte[64 * 1024];

  static {
    new java.util.Random(42).nextBytes(BLOCK);
  }

  /** Released once per event the SSE client has seen. */
  final Semaphore nextEvent = new Semaphore(0);

  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  RawUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.submit(this::accept);
  }

  Upstream upstream() {
    return new Upstream("127.0.0.1", server.getLocalPort());
  }

  /** The CRC32 of {@code bytes} of the repeated {@link #BLOCK}. */
  static long pattern(long bytes) {
    CRC32 crc = new CRC32();
    for (long left = bytes; left > 0; left -= BLOCK.length) {
      crc.update(BLOCK, 0, (int) Math.min(BLOCK.length, left));
    }
    return crc.getValue();
  }

  private Void accept() {
    try {
      while (true) {
        Socket socket = server.accept();
        threads.submit(() -> serve(socket));
      }
    } catch (IOException e) {
      return null;
    }
  }

  private Void serve(Socket socket) throws IOException {
    try (socket) {
      InputStream in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
      OutputStream out = socket.getOutputStream();
      String head = readHead(in);
      if (head.isEmpty()) {
        return null;
      }
      String target =
          head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
      String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
      String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
      switch (path) {
        case "/upload" -> {
          CRC32 crc = new CRC32();
          long n = readBody(head, in, crc);
          answer(out, n + " " + crc.getValue());
        }
        case "/continue" -> {
          out.write("HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          int length = Integer.parseInt(header(head, "content-length"));
          answer(out, new String(in.readNBytes(length), StandardCharsets.UTF_8));
        }
        case "/download" -> download(out, query);
        case "/sse" -> events(out, Integer.parseInt(query));
        case "/ws" -> webSocket(head, in, out);
        default -> answer(out, "no such path " + path);
      }
    } catch (IOException e) {
      // the proxy or the test went away
    }
    return null;
  }

  private static void answer(OutputStream out, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                + body.length
                + "\r\nConnection: close\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.write(body);
    out.flush();
  }

  private static void download(OutputStream out, String query) throws IOException {
    boolean chunked = query.endsWith("&chunked");
    long bytes = Long.parseLong(chunked ? query.substring(0, query.indexOf('&')) : query);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bytes + "\r\n")
                + "\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    byte[] size = (Integer.toHexString(BLOCK.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] crlf = {'\r', '\n'};
    for (long left = bytes; left > 0; left -= BLOCK.length) {
      int n = (int) Math.min(BLOCK.length, left);
      if (chunked) {
        out.write(
            n == BLOCK.length
                ? size
                : (Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      }
      out.write(BLOCK, 0, n);
      if (chunked) {
        out.write(crlf);
      }
    }
    if (chunked) {
      out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.flush();
  }

  private void events(OutputStream out, int count) throws IOException {
    out.write(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    for (int i = 0; i < count; i++) {
      boolean released = true;
      if (i > 0) {
        try {
          released = nextEvent.tryAcquire(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      byte[] event =
          ("data: " + (released ? "event " + i : "late") + "\n\n").getBytes(StandardCharsets.UTF_8);
      out.write((Integer.toHexString(event.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(event);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
    }
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  // ----- WebSocket (RFC 6455), echo only

  private static void webSocket(String head, InputStream in, OutputStream out) throws IOException {
    String key = header(head, "sec-websocket-key");
    String accept;
    try {
      accept =
          Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-1")
                      .digest(
                          (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                              .getBytes(StandardCharsets.ISO_8859_1)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    out.write(
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: "
                + accept
                + "\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
    while (true) {
      int b0 = in.read();
      if (b0 < 0) {
        return;
      }
      int opcode = b0 & 0x0f;
      int b1 = in.read();
      long length = b1 & 0x7f;
      if (length == 126) {
        length = (in.read() << 8) | in.read();
      } else if (length == 127) {
        length = 0;
        for (int i = 0; i < 8; i++) {
          length = (length << 8) | in.read();
        }
      }
      byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
      byte[] payload = in.readNBytes((int) length);
      if (mask != null) {
        for (int i = 0; i < payload.length; i++) {
          payload[i] ^= mask[i % 4];
        }
      }
      int replyOpcode = opcode == 0x9 ? 0xA : opcode;
      if (opcode == 0xA) {
        continue;
      }
      // Echo (FIN kept as sent: fragments are echoed as fragments), unmasked from the server.
      out.write((b0 & 0x80) | replyOpcode);
      if (payload.length < 126) {
        out.write(payload.length);
      } else if (payload.length < 65536) {
        out.write(126);
        out.write(payload.length >>> 8);
        out.write(payload.length & 0xff);
      } else {
        out.write(127);
        for (int i = 7; i >= 0; i--) {
          out.write((int) ((long) payload.length >>> (8 * i)) & 0xff);
        }
      }
      out.write(payload);
      out.flush();
      if (opcode == 0x8) {
        return;
      }
    }
  }

  // ----- HTTP helpers

  /** Reads a message head up to its blank line ("" at end of stream). */
  static String readHead(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      head.append((char) c);
      if (head.length() >= 4 && head.substring(head.length() - 4).equals("\r\n\r\n")) {
        break;
      }
    }
    return head.toString();
  }

  /** A header's value (first, name case-insensitive), or null. */
  static String header(String head, String name) {
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
        return line.substring(colon + 1).trim();
      }
    }
    return null;
  }

  /** Reads a sized or chunked body into {@code crc} with a fixed buffer; returns its length. */
  static long readBody(String head, InputStream in, CRC32 crc) throws IOException {
    return readBody(head, in, (b, off, len) -> crc.update(b, off, len));
  }

  /** Where {@link #readBody} puts what it reads. */
  interface Sink {
    void put(byte[] buffer, int offset, int length) throws IOException;
  }

  /** Reads a sized or chunked body into {@code sink} with a fixed buffer; returns its length. */
  static long readBody(String head, InputStream in, Sink crc) throws IOException {
    byte[] buffer = new byte[64 * 1024];
    String te = header(head, "transfer-encoding");
    if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
      long total = 0;
      while (true) {
        String line = readLine(in);
        int semi = line.indexOf(';');
        long size = Long.parseLong(semi < 0 ? line.trim() : line.substring(0, semi).trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailer
          }
          return total;
        }
        readFully(in, buffer, size, crc);
        total += size;
        readLine(in);
      }
    }
    long length = Long.parseLong(header(head, "content-length"));
    readFully(in, buffer, length, crc);
    return length;
  }

  private static void readFully(InputStream in, byte[] buffer, long length, Sink crc)
      throws IOException {
    for (long left = length; left > 0; ) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new IOException("body ended " + left + " bytes early");
      }
      crc.put(buffer, 0, n);
      left -= n;
    }
  }

  private static String readLine(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (c != '\r') {
        line.append((char) c);
      }
    }
    return line.toString();
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
