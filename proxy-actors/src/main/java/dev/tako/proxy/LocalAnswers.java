package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;

/**
 * The answers one {@link ProxyConnection} writes itself instead of the app: short status answers
 * (errors, redirects, ACME challenges) and files from the app's {@code public/} ({@link
 * StaticFiles}). Each is written into the connection's response pump; the connection closes after
 * it when the request body was not read.
 */
final class LocalAnswers {
  private final ProxyConnection c;
  private final EventLoop loop;

  LocalAnswers(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
  }

  /** The proxy's own short answer; the connection closes after it when closeAfter is set. */
  void answer(int status, String reason) {
    answer(status, reason, null, null);
  }

  /**
   * The proxy's own answer.
   *
   * @param header one extra header line without CRLF (e.g. Location), or null
   * @param text the body, or null for the reason phrase
   */
  void answer(int status, String reason, String header, String text) {
    c.status = status;
    c.upstreamLeg.track(null);
    if (!c.requestDone) {
      c.closeAfter = true;
    }
    c.enter(ProxyConnection.State.LOCAL);
    c.responseStarted = true;
    byte[] body = (text != null ? text : reason + "\n").getBytes(StandardCharsets.UTF_8);
    if (c.headRequest) {
      body = new byte[0];
    }
    HeadWriter out = c.responseOut;
    out.reset()
        .ascii("HTTP/1.1 " + status + " " + reason + "\r\n")
        .ascii("Content-Type: text/plain; charset=UTF-8\r\n")
        .ascii("Content-Length: " + body.length + "\r\n")
        .ascii("X-Request-ID: " + c.requestId + "\r\n");
    if (header != null) {
      out.ascii(header + "\r\n");
    }
    if (c.closeAfter) {
      out.ascii("Connection: close\r\n");
    }
    out.crlf().append(body);
    Pump response = fromHere();
    response.framer.none();
    response.message(out.buffer());
    c.responseLeg.drive();
  }

  /** The response pump, its source cleared: what it sends next comes from the proxy itself. */
  private Pump fromHere() {
    Pump response = c.response;
    response.src = null;
    response.srcKey = null;
    response.dstKey = c.key;
    response.start = 0;
    response.end = 0;
    response.srcEof = false;
    response.limit = Long.MAX_VALUE;
    return response;
  }

  /**
   * Answers from a file under the app's {@code public/} when the path names one (see {@link
   * StaticFiles}): 200 streamed from the file (gzipped for text of 1 KiB or more when accepted),
   * 304 when If-None-Match names its ETag, 206/416 for a Range, 400 for a path that tries to leave
   * the directory.
   *
   * @return false when the path is not a file there: the request goes to the app
   */
  boolean serveStatic() {
    HttpHead requestHead = c.requestHead;
    Target target = c.target;
    StaticFiles.Found found = StaticFiles.find(target.publicDir(), requestHead.path());
    if (found == null) {
      return false;
    }
    if (found == StaticFiles.REFUSED) {
      LOG.info(
          "Refused static path [{}] for {} ({})", requestHead.path(), target.appKey(), c.requestId);
      answer(400, "Bad Request");
      return true;
    }
    String type = ContentTypes.forFile(found.file().getFileName().toString());
    boolean variants = found.size() >= GzipEncoder.MIN_LENGTH && ContentTypes.compressible(type);
    boolean gzip = variants && c.gzipAccepted;
    String etag = StaticFiles.etag(found, gzip);
    boolean notModified = requestHead.noneMatchHits(etag);
    StaticFiles.ByteRange range = null;
    String rangeValue = requestHead.range();
    if (!notModified && rangeValue != null) {
      String identity = StaticFiles.etag(found, false);
      if (StaticFiles.ifRangeHolds(requestHead.ifRange(), identity)) {
        range = StaticFiles.range(rangeValue, found.size());
      }
      if (range == StaticFiles.UNSATISFIABLE) {
        c.stats.staticHits.increment();
        answer(416, "Range Not Satisfiable", "Content-Range: bytes */" + found.size(), null);
        return true;
      }
      if (range != null) {
        gzip = false; // a part of the file as stored, never of its gzip form
        etag = identity;
      }
    }
    FileChannel file = null;
    if (!notModified && !c.headRequest && found.size() > 0) {
      try {
        file = FileChannel.open(found.file(), StandardOpenOption.READ);
        if (range != null) {
          file.position(range.first());
        }
      } catch (IOException e) {
        closeQuietly(file);
        return false; // gone meanwhile: the app may know better
      }
    }
    c.stats.staticHits.increment();
    c.status = notModified ? 304 : range != null ? 206 : 200;
    if (!c.requestDone) {
      c.closeAfter = true;
    }
    c.enter(ProxyConnection.State.LOCAL);
    c.responseStarted = true;
    HeadWriter out = c.responseOut;
    StaticFiles.writeHead(
        out, found, type, etag, notModified, gzip, range, variants, c.requestId, c.closeAfter);
    Pump response = fromHere();
    response.file = file;
    if (file != null) {
      response.framer.length(range != null ? range.length() : found.size());
      if (gzip) {
        c.startGzip(false);
      }
    } else {
      response.framer.none();
    }
    response.message(out.buffer());
    c.responseLeg.drive();
    return true;
  }

  static void closeQuietly(FileChannel file) {
    if (file != null) {
      try {
        file.close();
      } catch (IOException ignored) {
        // read-only: nothing lost
      }
    }
  }
}
