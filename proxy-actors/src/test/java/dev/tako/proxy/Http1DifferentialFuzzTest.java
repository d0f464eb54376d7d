package dev.tako.proxy;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing of the proxy's request framing against {@link ReferenceHttp1}: mutated
 * requests (seeded; the seed is printed, {@code -Dfuzz.seed=N} replays it, {@code -Dfuzz.runs=N}
 * sets the count) must be accepted or refused with the same status by both, framed the same way
 * (length or chunked, the same end of body, the same malformed chunked bodies), and the head the
 * proxy forwards must read, by the reference, as exactly what the proxy framed. A disagreement is
 * shrunk to a minimal input before failing.
 */
class Http1DifferentialFuzzTest {
  private static final String[] SEEDS = {
    "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n",
    "GET /p?q=1 HTTP/1.0\r\n\r\n",
    "POST /u HTTP/1.1\r\nHost: a.test\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\n\r\n",
    "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "3;ext=\"q\\\"x\" ; b\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: a\r\nConnection: content-length, x-y\r\nContent-Length: 3\r\n"
        + "X-Y: 1\r\n\r\nabc",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "GET http://a.test/x HTTP/1.1\r\nHost: a.test\r\nAccept: */*\r\n\r\n",
    "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "\r\nGET / HTTP/1.1\nHost: a\nContent-Length: 0\n\n",
    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "1\r\nx\r\n0\r\nGET /admin HTTP/1.1\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 10.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: upgrade, host, transfer-encoding\r\n\r\n",
  };
  private static final String[] PIECES = {
    "\r",
    "\n",
    "\r\n",
    " ",
    "\t",
    ":",
    "\0",
    "\u007f",
    "\u0085",
    "\u00ff",
    ";",
    "=",
    "\"",
    "\\",
    "0",
    "5",
    "a",
    "f",
    ",",
    "/",
    "?",
    "#",
    "@",
    "chunked",
    "HTTP/1.0",
    "\r\n\r\n",
    "0\r\n\r\n",
    "Host: b\r\n",
    "Transfer-Encoding: chunked\r\n",
    "Content-Length: 3\r\n",
    "Content-Length: 0\r\n",
    "Transfer-Encoding : chunked\r\n",
    "Connection: content-length\r\n",
    " x\r\n",
    "HTTP/2.0",
    "http://a/",
    "ffffffffffffffff",
    "\r\nX:",
    "TE: trailers\r\n",
  };

  @Test
  void proxyAndReferenceFrameEveryRequestAlike() {
    long seed = Long.getLong("fuzz.seed", System.nanoTime());
    int runs = Integer.getInteger("fuzz.runs", 4000);
    System.out.println("Http1DifferentialFuzzTest seed " + seed + " (-Dfuzz.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int run = 0; run < runs; run++) {
      byte[] input = mutate(random, bytes(SEEDS[random.nextInt(SEEDS.length)]));
      String why = disagreement(input);
      if (why != null) {
        byte[] small = shrink(input);
        fail(
            "seed "
                + seed
                + ", run "
                + run
                + ": "
                + disagreement(small)
                + "\nminimal input: "
                + show(small)
                + "\noriginal input: "
                + show(input));
      }
    }
  }

  @Test
  void theSeedsThemselvesAgree() {
    for (String seed : SEEDS) {
      String why = disagreement(bytes(seed));
      if (why != null) {
        fail(why + "\ninput: " + show(bytes(seed)));
      }
    }
  }

  private static byte[] mutate(Random random, byte[] input) {
    byte[] out = input;
    int edits = 1 + random.nextInt(4);
    for (int i = 0; i < edits; i++) {
      int at = random.nextInt(out.length + 1);
      switch (random.nextInt(5)) {
        case 0, 1 -> out = splice(out, at, at, bytes(PIECES[random.nextInt(PIECES.length)]));
        case 2 ->
            out = splice(out, at, Math.min(out.length, at + 1 + random.nextInt(4)), new byte[0]);
        case 3 -> {
          if (at < out.length) {
            out = out.clone();
            out[at] = (byte) random.nextInt(256);
          }
        }
        default -> {
          if (at < out.length) {
            out = out.clone();
            out[at] = (byte) (Character.isUpperCase(out[at]) ? out[at] + 32 : out[at]);
          }
        }
      }
    }
    return out;
  }

  private static byte[] splice(byte[] in, int from, int to, byte[] insert) {
    byte[] out = new byte[in.length - (to - from) + insert.length];
    System.arraycopy(in, 0, out, 0, from);
    System.arraycopy(insert, 0, out, from, insert.length);
    System.arraycopy(in, to, out, from + insert.length, in.length - to);
    return out;
  }

  /** Removes ever smaller ranges while the disagreement stays (delta debugging, greedy). */
  private static byte[] shrink(byte[] input) {
    byte[] current = input;
    for (int size = Math.max(1, current.length / 2); size >= 1; size /= 2) {
      boolean progress = true;
      while (progress) {
        progress = false;
        for (int at = 0; at + size <= current.length; at++) {
          byte[] smaller = splice(current, at, at + size, new byte[0]);
          if (disagreement(smaller) != null) {
            current = smaller;
            progress = true;
            break;
          }
        }
      }
    }
    return current;
  }

  /** Null when the proxy and the reference agree on {@code input}, else what differs. */
  static String disagreement(byte[] input) {
    String text = ReferenceHttp1.text(input);
    ReferenceHttp1.Request expected = ReferenceHttp1.request(text);
    int end = HttpHead.end(input, 0, input.length);
    if (end < 0) {
      HeadReject reject = HttpHead.incomplete(input, 0, input.length, HeadLimits.DEFAULTS);
      int status = reject == null ? -1 : reject.status();
      int want = expected == null ? -1 : expected.status();
      return status == want ? null : "incomplete head: proxy " + status + ", reference " + want;
    }
    if (expected == null || expected.headEnd() != end) {
      return "head end: proxy "
          + end
          + ", reference "
          + (expected == null ? -1 : expected.headEnd());
    }
    HttpHead head = new HttpHead();
    boolean parsed = head.parseRequest(input, 0, end);
    int status = parsed ? 0 : head.reject().status();
    if (status != expected.status()) {
      return "status: proxy "
          + status
          + (parsed ? "" : " (" + head.reject().reason() + ")")
          + ", reference "
          + expected.status();
    }
    if (!parsed) {
      return null;
    }
    if (!head.host().equals(Objects.requireNonNullElse(expected.host(), ""))
        || head.chunked() != expected.chunked()
        || (!head.chunked() && head.contentLength() != expected.length())) {
      return "framing: proxy host="
          + head.host()
          + " chunked="
          + head.chunked()
          + " length="
          + head.contentLength()
          + ", reference "
          + expected;
    }
    String body = bodyDisagreement(head, input, end, text);
    return body != null ? body : forwardedDisagreement(head, expected);
  }

  private static String bodyDisagreement(HttpHead head, byte[] input, int end, String text) {
    int want;
    int got;
    if (head.chunked()) {
      want = ReferenceHttp1.chunkedEnd(text, end);
      BodyFramer framer = new BodyFramer();
      framer.chunked();
      int n = framer.advance(input, end, input.length);
      got =
          n == BodyFramer.MALFORMED
              ? ReferenceHttp1.MALFORMED
              : framer.done() ? end + n : ReferenceHttp1.NEED_MORE;
    } else {
      long length = Math.max(0, head.contentLength());
      want = end + length <= input.length ? (int) (end + length) : ReferenceHttp1.NEED_MORE;
      BodyFramer framer = new BodyFramer();
      framer.length(length);
      int n = framer.advance(input, end, input.length);
      got = framer.done() ? end + n : ReferenceHttp1.NEED_MORE;
    }
    return got == want ? null : "body end: proxy " + got + ", reference " + want;
  }

  /** The forwarded head must read, by the reference, as what the proxy framed and routed. */
  private static String forwardedDisagreement(HttpHead head, ReferenceHttp1.Request expected) {
    HeadWriter out = new HeadWriter(256);
    head.writeRequest(out, "192.0.2.1", "http", "rid");
    ByteBuffer b = out.buffer();
    byte[] forwarded = Arrays.copyOf(b.array(), b.limit());
    String text = ReferenceHttp1.text(forwarded);
    ReferenceHttp1.Request seen = ReferenceHttp1.request(text);
    boolean same =
        seen != null
            && seen.status() == 0
            && seen.headEnd() == forwarded.length
            && seen.requestLine().equals(expected.requestLine())
            && Objects.equals(seen.host(), expected.host())
            && seen.chunked() == expected.chunked()
            && seen.length() == expected.length()
            && !text.replace("\r\n", "").contains("\n")
            && !text.replace("\r\n", "").contains("\r");
    return same ? null : "forwarded head reads differently: " + seen + "\n" + show(forwarded);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static String show(byte[] input) {
    StringBuilder s = new StringBuilder("\"");
    for (byte b : input) {
      int c = b & 0xff;
      switch (c) {
        case '\r' -> s.append("\\r");
        case '\n' -> s.append("\\n");
        case '\t' -> s.append("\\t");
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        default -> {
          if (c < 0x20 || c >= 0x7f) {
            s.append(String.format("\\x%02x", c));
          } else {
            s.append((char) c);
          }
        }
      }
    }
    return s.append('"').toString();
  }

  static List<String> seeds() {
    return List.of(SEEDS);
  }
}
