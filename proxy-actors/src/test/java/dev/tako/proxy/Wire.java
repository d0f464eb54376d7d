package dev.tako.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/** Raw HTTP/1.1 on a socket for the proxy's byte-level tests: what a visitor sends and sees. */
final class Wire {
  private Wire() {}

  /** A connection to the proxy whose reads give up after {@code readTimeout}. */
  static Socket connect(int port, Duration readTimeout) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout((int) readTimeout.toMillis());
    return socket;
  }

  static void send(Socket socket, String raw) throws IOException {
    socket.getOutputStream().write(raw.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /**
   * A response head (up to and with its blank line) and its body as received: Content-Length bytes,
   * or chunks up to the last chunk and the end of the trailer section.
   */
  static String response(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String head = head(in);
    int length = 0;
    boolean chunked = false;
    for (String line : head.split("\r\n")) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.endsWith("chunked")) {
        chunked = true;
      }
    }
    if (!chunked) {
      return head + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
    StringBuilder body = new StringBuilder(head);
    for (; ; ) {
      String sizeLine = line(in);
      body.append(sizeLine).append("\r\n");
      int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
      if (size == 0) {
        for (String trailer = line(in); ; trailer = line(in)) {
          body.append(trailer).append("\r\n");
          if (trailer.isEmpty()) {
            return body.toString();
          }
        }
      }
      body.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
      body.append(line(in)).append("\r\n");
    }
  }

  /** One CRLF-ended line without its ending. */
  static String line(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new IOException("end of stream inside a line: " + line);
      }
      if (b != '\r') {
        line.append((char) b);
      }
    }
    return line.toString();
  }

  /** Reads up to the blank line; throws at end of stream before it. */
  static String head(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int tail = 0;
    while (tail != 0x0d0a0d0a) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream inside a head: " + out);
      }
      out.write(b);
      tail = (tail << 8) | b;
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Everything the proxy still sends until it closes the connection (end of stream or reset); fails
   * when it is still open after the socket's read timeout.
   */
  static String untilClosed(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the proxy kept the connection open; got so far: " + out, e);
    } catch (SocketException e) {
      // reset: closed too
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
