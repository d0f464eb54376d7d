package dev.tako.proxy;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Maps a request path to a regular file under a release's {@code public/} directory (SPEC §9), and
 * the validators the proxy answers it with. A path is decoded once (percent-encoding, UTF-8) and
 * refused when it could leave the directory or name something odd: a {@code .} or {@code ..}
 * segment, an encoded {@code /}, a backslash, NUL or another control character, broken
 * percent-encoding; a file whose real path (symbolic links resolved) is outside the directory is
 * not served. Anything that is not a regular file (a directory, nothing) is not found, and the
 * request goes to the app.
 *
 * <p>Runs on the event loop: one {@code stat} for a path that is not a file, a few more for one
 * that is; a file's first request also reads it once for its entity tag (see {@link #etag}).
 */
final class StaticFiles {
  /** A file to serve. */
  record Found(Path file, long size, long modifiedMillis) {}

  /** The path tries to leave {@code public/} or is malformed: answer 400, never go to the app. */
  static final Found REFUSED = new Found(Path.of(""), -1, 0);

  private StaticFiles() {}

  /**
   * Looks a request path up.
   *
   * @param publicDir the release's {@code public/} directory
   * @param rawPath the request target's path as sent (percent-encoded, without the query)
   * @return the file, {@link #REFUSED}, or null when there is no such file (go to the app)
   */
  static Found find(Path publicDir, String rawPath) {
    String relative = decode(rawPath);
    if (relative == REFUSE) {
      return REFUSED;
    }
    if (relative == null) {
      return null;
    }
    File file = new File(publicDir.toFile(), relative);
    if (!file.isFile()) {
      return null;
    }
    try {
      Path real = file.toPath().toRealPath();
      if (!real.startsWith(publicDir.toRealPath())) {
        return REFUSED;
      }
      BasicFileAttributes attributes =
          Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isRegularFile()) {
        return null;
      }
      return new Found(real, attributes.size(), attributes.lastModifiedTime().toMillis());
    } catch (IOException | SecurityException e) {
      return null;
    }
  }

  /** Returned by {@link #decode} for a path to refuse (compared by identity). */
  static final String REFUSE = new String("refuse");

  /**
   * The path without its leading "/", percent-decoded as UTF-8: {@link #REFUSE} when it could leave
   * {@code public/} ({@code ..} segment, backslash, encoded separator, NUL), null when it cannot
   * name a file there (empty, a directory, {@code .} or empty segments, other control characters,
   * broken encoding).
   */
  static String decode(String rawPath) {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      return null;
    }
    byte[] bytes = new byte[rawPath.length()];
    int n = 0;
    boolean broken = false;
    for (int i = 1; i < rawPath.length(); i++) {
      char c = rawPath.charAt(i);
      if (c == '%') {
        int hi = i + 2 < rawPath.length() ? Character.digit(rawPath.charAt(i + 1), 16) : -1;
        int lo = i + 2 < rawPath.length() ? Character.digit(rawPath.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          broken = true;
          bytes[n++] = (byte) c;
          continue;
        }
        int b = hi * 16 + lo;
        if (b == '/' || b == '\\' || b == 0) {
          return REFUSE;
        }
        bytes[n++] = (byte) b;
        i += 2;
      } else if (c == '\\' || c == 0) {
        return REFUSE;
      } else {
        bytes[n++] = (byte) c;
      }
    }
    String decoded;
    try {
      decoded = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, 0, n)).toString();
    } catch (CharacterCodingException e) {
      broken = true;
      decoded = new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
    }
    boolean odd = broken || decoded.isEmpty();
    for (String segment : decoded.split("/", -1)) {
      if (segment.equals("..")) {
        return REFUSE;
      }
      odd |= segment.isEmpty() || segment.equals(".");
    }
    for (int i = 0; i < decoded.length() && !odd; i++) {
      char c = decoded.charAt(i);
      odd = c < 0x20 || c == 0x7f;
    }
    return odd ? null : decoded;
  }

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);

  /** Bytes {@code first} to {@code last} (inclusive) of a file. */
  record ByteRange(long first, long last) {
    long length() {
      return last - first + 1;
    }
  }

  /** A Range none of whose bytes lie in the file: answer 416. */
  static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

  /**
   * The part of a file of {@code size} bytes a {@code Range} value asks for (RFC 9110 §14.1.2):
   * {@code bytes=F-L}, {@code bytes=F-} or {@code bytes=-N} (the last N bytes), clipped to the
   * file. Null when the whole file is to be sent: the value is malformed, names another unit or
   * several ranges (a server may ignore Range). {@link #UNSATISFIABLE} when it starts beyond the
   * end or asks for the last 0 bytes.
   */
  static ByteRange range(String value, long size) {
    String v = value.trim();
    if (v.length() < 6 || !v.regionMatches(true, 0, "bytes=", 0, 6) || v.indexOf(',') >= 0) {
      return null;
    }
    String spec = v.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    long a = digits(spec.substring(0, dash).trim());
    long b = digits(spec.substring(dash + 1).trim());
    if (dash == 0 || spec.substring(0, dash).isBlank()) {
      if (b < 0) {
        return null;
      }
      if (b == 0 || size == 0) {
        return UNSATISFIABLE;
      }
      return new ByteRange(Math.max(0, size - b), size - 1);
    }
    if (a < 0) {
      return null;
    }
    boolean open = spec.substring(dash + 1).isBlank();
    if (!open && (b < 0 || b < a)) {
      return null;
    }
    if (a >= size) {
      return UNSATISFIABLE;
    }
    return new ByteRange(a, open ? size - 1 : Math.min(b, size - 1));
  }

  /** The decimal number {@code s} is, or -1 when it is none (or has over 18 digits). */
  private static long digits(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  /**
   * Whether a Range is to be honoured given the request's If-Range (RFC 9110 §13.1.5): yes without
   * one, or when it is exactly the file's strong entity tag; a weak tag or a date sends the whole
   * file (the tag is content-based, so a client holding it holds these bytes).
   */
  static boolean ifRangeHolds(String ifRange, String etag) {
    return ifRange == null || ifRange.trim().equals(etag);
  }

  /**
   * The response head for a static file: 200, 206 for a {@code range} (else null), or 304 without
   * entity headers; with Content-Type, Content-Length (and Content-Range) or gzip chunking, ETag,
   * Last-Modified, {@code Accept-Ranges: bytes}, {@code Cache-Control: public, max-age=3600},
   * {@code Vary: Accept-Encoding} when the file has a gzip variant.
   */
  static void writeHead(
      HeadWriter out,
      Found found,
      String type,
      String etag,
      boolean notModified,
      boolean gzip,
      ByteRange range,
      boolean variants,
      String requestId,
      boolean closeAfter) {
    out.reset()
        .ascii(
            notModified
                ? "HTTP/1.1 304 Not Modified\r\n"
                : range != null ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n");
    if (!notModified) {
      out.ascii("Content-Type: ").ascii(type).crlf();
      if (gzip) {
        out.ascii("Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n");
      } else if (range != null) {
        out.ascii("Content-Length: ").ascii(Long.toString(range.length())).crlf();
        out.ascii("Content-Range: bytes ")
            .ascii(range.first() + "-" + range.last() + "/" + found.size())
            .crlf();
      } else {
        out.ascii("Content-Length: ").ascii(Long.toString(found.size())).crlf();
      }
      if (!gzip) {
        out.ascii("Accept-Ranges: bytes\r\n");
      }
      out.ascii("Last-Modified: ")
          .ascii(HTTP_DATE.format(Instant.ofEpochMilli(found.modifiedMillis())))
          .crlf();
    }
    out.ascii("ETag: ").ascii(etag).crlf();
    out.ascii("Cache-Control: public, max-age=3600\r\n");
    if (variants) {
      out.ascii("Vary: Accept-Encoding\r\n");
    }
    out.ascii("X-Request-ID: ").ascii(requestId).crlf();
    if (closeAfter) {
      out.ascii("Connection: close\r\n");
    }
    out.crlf();
  }

  /**
   * A strong entity tag from the file's size and content (CRC-32C), quoted; {@code -gz} for the
   * gzip form. Content-based, so an unchanged file keeps its tag across releases and is the same on
   * every server (each extracts the release itself, so modification times differ). Computed once
   * per file and kept while its size and modification time stay; files over {@value #HASH_LIMIT}
   * bytes, or unreadable ones, use the modification time instead.
   */
  static String etag(Found found, boolean gzip) {
    return "\"" + contentTag(found) + (gzip ? "-gz\"" : "\"");
  }

  private static final long HASH_LIMIT = 64L * 1024 * 1024;
  private static final int MAX_TAGS = 8192;
  private static final ConcurrentHashMap<Path, Tag> TAGS = new ConcurrentHashMap<>();

  private record Tag(long size, long modifiedMillis, String value) {}

  private static String contentTag(Found found) {
    Tag known = TAGS.get(found.file());
    if (known != null
        && known.size() == found.size()
        && known.modifiedMillis() == found.modifiedMillis()) {
      return known.value();
    }
    String sum = found.size() <= HASH_LIMIT ? crc(found.file()) : null;
    String value =
        Long.toHexString(found.size())
            + "-"
            + (sum != null ? sum : Long.toHexString(found.modifiedMillis()));
    if (TAGS.size() >= MAX_TAGS) {
      TAGS.clear();
    }
    TAGS.put(found.file(), new Tag(found.size(), found.modifiedMillis(), value));
    return value;
  }

  private static String crc(Path file) {
    CRC32C crc = new CRC32C();
    ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      while (channel.read(buffer.clear()) > 0) {
        crc.update(buffer.flip());
      }
    } catch (IOException | SecurityException e) {
      return null;
    }
    return Long.toHexString(crc.getValue());
  }
}
