package dev.tako.proxy;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An app server as lenient in framing as many are, for the smuggling tests (where {@link
 * LenientUpstream} reads no bodies, this one reads them the lenient way): lines end at LF, names
 * and values are trimmed (so {@code "Transfer-Encoding : chunked"} counts), a Transfer-Encoding
 * that contains "chunked" wins, the first Content-Length is taken, chunk sizes are read up to the
 * first non-hex byte, trailers are skipped to the empty line, and connections are kept alive. It
 * reports every request it parsed ({@link #seen}) and answers each with "seen TARGET".
 */
final class LenientFramingUpstream implements AutoCloseable {
  /** One request as this server read it. */
  record Seen(String method, String target, List<String> hosts, String body) {}

  final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  LenientFramingUpstream() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.submit(this::accept);
  }

  Upstream upstream() {
    return new Upstream("127.0.0.1", server.getLocalPort());
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
      InputStream in = new BufferedInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      while (true) {
        String requestLine = line(in);
        while (requestLine != null && requestLine.isEmpty()) {
          requestLine = line(in);
        }
        if (requestLine == null) {
          return null;
        }
        String[] parts = requestLine.split(" ");
        List<String> hosts = new ArrayList<>();
        String coding = null;
        String length = null;
        for (String header = line(in); header != null && !header.isEmpty(); header = line(in)) {
          int colon = header.indexOf(':');
          if (colon < 0) {
            continue;
          }
          // '_' read as '-', as CGI-style servers map both to the same variable.
          String name =
              header.substring(0, colon).trim().toLowerCase(Locale.ROOT).replace('_', '-');
          String value = header.substring(colon + 1).trim();
          switch (name) {
            case "host" -> hosts.add(value);
            case "transfer-encoding" -> coding = value.toLowerCase(Locale.ROOT);
            case "content-length" -> length = length == null ? value : length;
            default -> {}
          }
        }
        String body;
        if (coding != null && coding.contains("chunked")) {
          body = chunked(in);
        } else if (length != null) {
          body = text(in.readNBytes(Integer.parseInt(length.split(",")[0].trim())));
        } else {
          body = "";
        }
        String target = parts.length > 1 ? parts[1] : "";
        seen.add(new Seen(parts[0], target, hosts, body));
        byte[] answer = ("seen " + target).getBytes(StandardCharsets.ISO_8859_1);
        out.write(
            ("HTTP/1.1 200 OK\r\nContent-Length: " + answer.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(answer);
        out.flush();
      }
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String chunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line(in);
      if (size == null) {
        return text(body.toByteArray());
      }
      int end = 0;
      while (end < size.length() && Character.digit(size.charAt(end), 16) >= 0) {
        end++;
      }
      int n = end == 0 ? 0 : Integer.parseInt(size.substring(0, end), 16);
      if (n == 0) {
        for (String trailer = line(in); trailer != null && !trailer.isEmpty(); trailer = line(in)) {
          // skipped
        }
        return text(body.toByteArray());
      }
      body.write(in.readNBytes(n));
      line(in);
    }
  }

  /** A line without its LF (and a CR before it), or null at the end of the stream. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b >= 0; b = in.read()) {
      if (b == '\n') {
        String s = text(line.toByteArray());
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      line.write(b);
    }
    return line.size() == 0 ? null : text(line.toByteArray());
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
