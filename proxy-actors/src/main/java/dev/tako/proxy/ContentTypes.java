package dev.tako.proxy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * Media types by file extension for static files, and which media types are text worth gzipping.
 * Stateless; unknown extensions are {@code application/octet-stream}.
 */
final class ContentTypes {
  static final String OCTET_STREAM = "application/octet-stream";

  private static final String UTF8 = "; charset=utf-8";

  private static final Map<String, String> BY_EXTENSION =
      Map.ofEntries(
          Map.entry("html", "text/html" + UTF8),
          Map.entry("htm", "text/html" + UTF8),
          Map.entry("css", "text/css" + UTF8),
          Map.entry("js", "text/javascript" + UTF8),
          Map.entry("mjs", "text/javascript" + UTF8),
          Map.entry("cjs", "text/javascript" + UTF8),
          Map.entry("json", "application/json"),
          Map.entry("map", "application/json"),
          Map.entry("webmanifest", "application/manifest+json"),
          Map.entry("xml", "application/xml"),
          Map.entry("txt", "text/plain" + UTF8),
          Map.entry("md", "text/markdown" + UTF8),
          Map.entry("csv", "text/csv" + UTF8),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("webp", "image/webp"),
          Map.entry("avif", "image/avif"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("woff", "font/woff"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("ttf", "font/ttf"),
          Map.entry("otf", "font/otf"),
          Map.entry("wasm", "application/wasm"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("zip", "application/zip"),
          Map.entry("gz", "application/gzip"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("webm", "video/webm"),
          Map.entry("mp3", "audio/mpeg"),
          Map.entry("ogg", "audio/ogg"),
          Map.entry("wav", "audio/wav"));

  /** Compressible types besides text/* and the +json/+xml suffixes (lowercase). */
  private static final String[] COMPRESSIBLE = {
    "application/json",
    "application/javascript",
    "application/x-javascript",
    "application/xml",
    "application/xhtml+xml",
    "image/svg+xml",
    "application/wasm",
    "image/x-icon",
  };

  private ContentTypes() {}

  /** The Content-Type for a file name, by its extension (case-insensitive). */
  static String forFile(String name) {
    int dot = name.lastIndexOf('.');
    if (dot < 0 || dot == name.length() - 1) {
      return OCTET_STREAM;
    }
    String type = BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    return type == null ? OCTET_STREAM : type;
  }

  /** Whether a Content-Type value names compressible text (see the byte form). */
  static boolean compressible(String contentType) {
    byte[] bytes = contentType.getBytes(StandardCharsets.ISO_8859_1);
    return compressible(bytes, 0, bytes.length);
  }

  /**
   * Whether the Content-Type value in {@code b[s, e)} names text worth gzipping: text/* except
   * {@code text/event-stream} (server-sent events must not be buffered by a compressor), JSON,
   * JavaScript, XML, SVG, WebAssembly and icons, and any {@code +json} or {@code +xml} type.
   * Parameters are ignored; no allocation.
   */
  static boolean compressible(byte[] b, int s, int e) {
    while (s < e && (b[s] == ' ' || b[s] == '\t')) {
      s++;
    }
    int end = s;
    while (end < e && b[end] != ';' && b[end] != ' ' && b[end] != '\t') {
      end++;
    }
    int length = end - s;
    if (startsWith(b, s, end, "text/")) {
      return !(length == 17 && startsWith(b, s, end, "text/event-stream"));
    }
    for (String type : COMPRESSIBLE) {
      if (length == type.length() && startsWith(b, s, end, type)) {
        return true;
      }
    }
    return endsWith(b, s, end, "+json") || endsWith(b, s, end, "+xml");
  }

  private static boolean startsWith(byte[] b, int s, int e, String lower) {
    return e - s >= lower.length() && Ascii.is(b, s, lower);
  }

  private static boolean endsWith(byte[] b, int s, int e, String lower) {
    return e - s >= lower.length() && startsWith(b, e - lower.length(), e, lower);
  }
}
