package dev.tako.node.peer;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * Fetches a release artifact from a peer's node-to-node listener into a file, blocking (run it on
 * the blocking dispatcher): mutual TLS with this node's cluster certificate, one request per
 * connection, the body streamed to a temporary file beside the target while its SHA-256 is
 * computed; only a body with the expected SHA-256 is moved into place. Any failure leaves no file
 * behind and says which peer and why.
 */
public final class PeerClient {
  private static final int MAX_HEAD = 16 * 1024;
  private final PeerSettings settings;
  private final Path tlsDir;

  public PeerClient(PeerSettings settings, Path tlsDir) {
    this.settings = settings;
    this.tlsDir = tlsDir;
  }

  /** Writes the artifact {@code sha} from {@code peer} to {@code target}; returns its size. */
  public long fetchArtifact(PeerAddress peer, String sha, Path target) throws IOException {
    SSLContext ctx;
    try {
      ctx = PeerTls.context(tlsDir);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot use this node's TLS files in " + tlsDir + ": " + e, e);
    }
    Path tmp = target.resolveSibling("." + target.getFileName() + ".fetch-" + System.nanoTime());
    try (Socket raw = new Socket()) {
      if (!settings.outboundHost().isEmpty()) {
        raw.bind(new InetSocketAddress(settings.outboundHost(), 0));
      }
      raw.connect(
          new InetSocketAddress(peer.host(), peer.port()),
          (int) settings.connectTimeout().toMillis());
      raw.setSoTimeout((int) settings.readTimeout().toMillis());
      try (SSLSocket tls =
          (SSLSocket) ctx.getSocketFactory().createSocket(raw, peer.host(), peer.port(), true)) {
        tls.setUseClientMode(true);
        tls.startHandshake();
        OutputStream out = tls.getOutputStream();
        out.write(
            ("GET /v1/peer/artifacts/"
                    + sha
                    + " HTTP/1.1\r\nHost: "
                    + peer
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = new BufferedInputStream(tls.getInputStream(), 64 * 1024);
        Head head = Head.read(in);
        if (head.status != 200) {
          throw new IOException(
              "peer " + peer + " answered " + head.status + " for artifact " + sha);
        }
        Files.createDirectories(target.getParent());
        long size = copy(in, head.contentLength, tmp, sha, peer);
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return size;
      }
    } catch (IOException e) {
      Files.deleteIfExists(tmp);
      throw e.getMessage() != null && e.getMessage().contains(peer.toString())
          ? e
          : new IOException("fetching artifact " + sha + " from " + peer + ": " + e, e);
    }
  }

  private static long copy(InputStream in, long length, Path tmp, String sha, PeerAddress peer)
      throws IOException {
    MessageDigest digest = sha256();
    long total = 0;
    byte[] buf = new byte[64 * 1024];
    try (OutputStream file = Files.newOutputStream(tmp)) {
      while (length < 0 || total < length) {
        int max = length < 0 ? buf.length : (int) Math.min(buf.length, length - total);
        int n = in.read(buf, 0, max);
        if (n < 0) {
          if (length >= 0) {
            throw new IOException(
                "peer " + peer + " closed after " + total + " of " + length + " bytes");
          }
          break;
        }
        digest.update(buf, 0, n);
        file.write(buf, 0, n);
        total += n;
      }
    }
    String actual = HexFormat.of().formatHex(digest.digest());
    if (!actual.equals(sha)) {
      throw new IOException(
          "peer " + peer + " sent an artifact whose SHA-256 is " + actual + ", not " + sha);
    }
    return total;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A response head: the status and Content-Length (-1 when absent: read to the end). */
  private record Head(int status, long contentLength) {
    static Head read(InputStream in) throws IOException {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      int state = 0;
      while (state < 4) {
        int b = in.read();
        if (b < 0) {
          throw new IOException("the connection closed before the response head ended");
        }
        if (bytes.size() >= MAX_HEAD) {
          throw new IOException("response head over " + MAX_HEAD + " bytes");
        }
        bytes.write(b);
        state =
            (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3))
                ? state + 1
                : (b == '\r' ? 1 : 0);
      }
      String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
      String[] statusLine = lines[0].split(" ", 3);
      if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/1.")) {
        throw new IOException("not an HTTP/1.1 response: " + lines[0]);
      }
      int status;
      try {
        status = Integer.parseInt(statusLine[1]);
      } catch (NumberFormatException e) {
        throw new IOException("not an HTTP status: " + lines[0], e);
      }
      long length = -1;
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon <= 0) {
          continue;
        }
        String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = lines[i].substring(colon + 1).trim();
        if (name.equals("transfer-encoding")) {
          throw new IOException("unexpected Transfer-Encoding " + value + " from a peer");
        }
        if (name.equals("content-length")) {
          try {
            length = Long.parseLong(value);
          } catch (NumberFormatException e) {
            throw new IOException("bad Content-Length " + value, e);
          }
        }
      }
      return new Head(status, length);
    }
  }
}
