package dev.tako.proxy;

import static dev.tako.proxy.ProxyConnection.LOG;

import dev.tako.proxy.channels.ChannelAuthorizer;
import dev.tako.proxy.channels.ChannelAuthorizer.Op;
import dev.tako.proxy.channels.ChannelAuthorizer.Verdict;
import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelNames;
import dev.tako.proxy.channels.ChannelPolicy;
import dev.tako.proxy.channels.ChannelSettings;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelStreams;
import dev.tako.proxy.channels.ChannelSubscription;
import dev.tako.proxy.channels.ChannelUnavailableException;
import dev.tako.proxy.channels.SseEvents;
import dev.tako.proxy.channels.WebSocketFrames;
import dev.tako.proxy.channels.WebSocketReader;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A visitor's subscription to a channel at {@code /_tako/channels/NAME} (SPEC §13), served by the
 * proxy on the visitor's connection: checks the request (name 400, method 405, no hub 503, per-node
 * limits 503, neither SSE nor WebSocket 406, bad WebSocket handshake 400/426), lets the channel's
 * policy or the app's authorize path decide (403, or 503 when the app does not answer), then
 * answers 200 {@code text/event-stream} or 101 and subscribes to the {@link ChannelHub}. From then
 * on every message the hub delivers is written as an SSE event or a WebSocket text frame; a
 * WebSocket's text frames are publishes once the app allowed {@code op=publish}.
 *
 * <p>The hub calls the sink on its own threads: messages are encoded there and queued, and the
 * connection's loop writes them. A subscriber whose queue passes {@code
 * tako.channels.subscriber-buffer} bytes is dropped (its connection closed) and resumes by id when
 * it reconnects. Streams stay open until the visitor or the node closes them; an SSE comment (or a
 * WebSocket ping) every {@code tako.channels.keep-alive} keeps what is in between open.
 */
final class ChannelStream implements ChannelSink {
  private static final int GATHER = 32;

  private final ProxyConnection c;
  private final EventLoop loop;
  private final ChannelStreams streams;
  private final ChannelSettings settings;
  private final GatheringByteChannel out;
  private final ByteChannel in;

  private ChannelKey key;
  private ChannelPolicy policy;
  private ChannelHub hub;
  private boolean webSocket;
  private String wsKey;
  private String since;
  private ChannelAuthorizer.Visitor visitor;
  private boolean admitted;
  private ChannelSubscription subscription;

  /** The subscription is live: the head is queued and the hub was asked. */
  private boolean streaming;

  private final ConcurrentLinkedQueue<ByteBuffer> outbox = new ConcurrentLinkedQueue<>();
  private final AtomicLong queued = new AtomicLong();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final AtomicBoolean overflow = new AtomicBoolean();
  private volatile boolean ended;
  private final ByteBuffer[] gather = new ByteBuffer[GATHER];
  private int gathered;
  private boolean closeWhenFlushed;
  private long lastWrite;

  /** What an SSE visitor still sends (nothing, usually) is read into this and dropped. */
  private byte[] sseInput;

  // WebSocket input and visitor publishes (loop thread only).
  private WebSocketReader reader;
  private Verdict publishVerdict;
  private boolean askingPublish;
  private final ArrayDeque<byte[]> waitingPublishes = new ArrayDeque<>();

  ChannelStream(ProxyConnection c) {
    this.c = c;
    this.loop = c.loop;
    this.streams = loop.metrics.channels;
    this.settings = loop.routes.channelSettings();
    this.out = c.response.dst;
    this.in = c.tls != null ? c.tls : c.client;
  }

  // ----- the request

  /** Takes the request head (read now, before its buffer is reused) and answers or subscribes. */
  void start() {
    HttpHead head = c.requestHead;
    Target target = c.target;
    String name = head.path().substring(ChannelNames.PREFIX.length());
    if (!ChannelNames.valid(name)) {
      refuse(
          400,
          "Bad Request",
          null,
          "channel names are 1-128 of A-Z a-z 0-9 . _ : - (got \"" + name + "\")");
      return;
    }
    if (!head.safeMethod() || head.headRequest() || head.hasBody()) {
      refuse(
          405,
          "Method Not Allowed",
          "Allow: GET",
          "subscribe with GET (server-sent events or a WebSocket); the app publishes through"
              + " TAKO_CHANNELS_URL");
      return;
    }
    hub = loop.routes.channelHub();
    if (hub == null) {
      refuse(503, "Service Unavailable", null, "channels are not served by this server");
      return;
    }
    String upgrade = head.header("upgrade", ",");
    if (head.upgrade() && upgrade != null && upgrade.trim().equalsIgnoreCase("websocket")) {
      webSocket = true;
      String version = head.header("sec-websocket-version", ",");
      if (version == null || !version.trim().equals("13")) {
        refuse(
            426,
            "Upgrade Required",
            "Sec-WebSocket-Version: 13",
            "this server speaks WebSocket version 13");
        return;
      }
      wsKey = head.header("sec-websocket-key", ",");
      wsKey = wsKey == null ? null : wsKey.trim();
      if (!WebSocketFrames.validKey(wsKey)) {
        refuse(400, "Bad Request", null, "Sec-WebSocket-Key must be base64 of 16 bytes");
        return;
      }
    } else {
      String accept = head.header("accept", ",");
      if (accept == null || !accept.toLowerCase(Locale.ROOT).contains("text/event-stream")) {
        refuse(
            406,
            "Not Acceptable",
            null,
            "subscribe with Accept: text/event-stream (server-sent events) or a WebSocket");
        return;
      }
    }
    since = head.header("last-event-id", ",");
    if (since == null || since.isBlank()) {
      since = queryParameter(head.query(), "since");
    }
    since = since == null || since.isBlank() ? null : since.trim();
    visitor =
        new ChannelAuthorizer.Visitor(
            head.header("cookie", "; "),
            head.header("authorization", ","),
            c.requestId,
            c.clientAddress);
    key = appEnvKey(target.appKey(), name);
    policy = loop.routes.current().channels(target.appKey());
    String full = streams.admit(key, settings);
    if (full != null) {
      LOG.info("Channel subscriber refused for {}: {} ({})", target.appKey(), full, c.requestId);
      refuse(503, "Service Unavailable", "Retry-After: 5", full);
      return;
    }
    admitted = true;
    c.enter(ProxyConnection.State.CHANNEL);
    Pump.off(c.key, SelectionKey.OP_READ);
    if (policy.isPublic(name)) {
      subscribe();
    } else if (policy.authorize() == null) {
      refuse(
          403,
          "Forbidden",
          null,
          "channel \"" + name + "\" is not public and the app has no [channels] authorize path");
    } else {
      ask(Op.SUBSCRIBE, this::subscribeVerdict);
    }
  }

  /** "app/env" and a channel name as the hub's key. */
  static ChannelKey appEnvKey(String appKey, String channel) {
    int slash = appKey.indexOf('/');
    return slash < 0
        ? new ChannelKey(appKey, "", channel)
        : new ChannelKey(appKey.substring(0, slash), appKey.substring(slash + 1), channel);
  }

  /** The decoded value of {@code name} in a query ("?a=1&since=5"), or null. */
  static String queryParameter(String query, String name) {
    if (query == null || query.length() < 2) {
      return null;
    }
    for (String pair : query.substring(1).split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      if (k.equals(name)) {
        try {
          return URLDecoder.decode(eq < 0 ? "" : pair.substring(eq + 1), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return null;
        }
      }
    }
    return null;
  }

  private void ask(Op op, java.util.function.Consumer<Verdict> then) {
    Target target = c.target;
    if (target.isEmpty()) {
      then.accept(Verdict.UNAVAILABLE);
      return;
    }
    Upstream instance = target.next();
    loop.routes
        .channelAuthorizer()
        .ask(instance.host(), instance.port(), policy.authorize(), key.channel(), op, visitor)
        .thenAccept(verdict -> loop.execute(() -> then.accept(verdict)));
  }

  private void subscribeVerdict(Verdict verdict) {
    if (ended) {
      return;
    }
    switch (verdict) {
      case ALLOWED -> subscribe();
      case REFUSED ->
          refuse(403, "Forbidden", null, "the app refused this subscription to " + key.channel());
      default -> {
        LOG.warn(
            "Channel authorize path {} of {}/{} did not answer ({})",
            policy.authorize(),
            key.app(),
            key.env(),
            c.requestId);
        refuse(
            503,
            "Service Unavailable",
            "Retry-After: 5",
            "the app could not say whether this subscription is allowed; try again later");
      }
    }
  }

  /** Answers without subscribing (the place taken, if any, is given back). */
  private void refuse(int status, String reason, String header, String text) {
    release();
    c.enter(ProxyConnection.State.HEAD);
    c.local.answer(status, reason, header, reason + ": " + text + "\n");
  }

  private void release() {
    if (admitted) {
      admitted = false;
      streams.leave(key);
    }
  }

  /** Queues the head, then asks the hub: messages it delivers queue behind the head. */
  private void subscribe() {
    if (ended) {
      return;
    }
    c.status = 0; // a stream is no request: kept out of the latency histogram
    byte[] head =
        webSocket ? WebSocketFrames.handshake(wsKey, c.requestId) : SseEvents.head(c.requestId);
    enqueue(ByteBuffer.wrap(head));
    streaming = true;
    try {
      subscription = hub.subscribe(key, policy.retention(), since, this);
    } catch (RuntimeException e) {
      streaming = false;
      outbox.clear();
      queued.set(0);
      int retry =
          e instanceof ChannelUnavailableException u ? Math.max(1, u.retryAfterSeconds()) : 5;
      LOG.warn("Channel {} cannot be subscribed: {} ({})", key, e.getMessage(), c.requestId);
      refuse(
          503,
          "Service Unavailable",
          "Retry-After: " + retry,
          "channel " + key.channel() + " is unavailable here now; try again later");
      return;
    }
    lastWrite = loop.now;
    c.response.release(); // 16 KiB per idle subscriber: the outbox writes its bytes itself
    if (!webSocket) {
      // An SSE visitor sends nothing more: 16 KiB more back, a few bytes to see its end.
      c.request.release();
      c.requestHead.forget();
      sseInput = new byte[64];
    }
    if (webSocket) {
      reader = new WebSocketReader(new Frames());
      // Frames the visitor sent right behind its handshake.
      Pump request = c.request;
      if (request.buffered()) {
        reader.feed(request.buf, request.start, request.end);
        request.start = request.end;
      }
    }
    Pump.on(c.key, SelectionKey.OP_READ);
    flush();
  }

  // ----- the hub's side (any thread)

  @Override
  public void onMessage(String id, byte[] data) {
    if (ended) {
      return;
    }
    enqueue(
        ByteBuffer.wrap(
            webSocket ? WebSocketFrames.message(id, data) : SseEvents.message(id, data)));
    streams.delivered();
  }

  @Override
  public void onReset() {
    if (!ended) {
      enqueue(
          ByteBuffer.wrap(
              webSocket ? WebSocketFrames.text("{\"event\":\"tako-reset\"}") : SseEvents.RESET));
    }
  }

  @Override
  public void onClosed(String reason) {
    loop.execute(
        () -> {
          if (ended) {
            return;
          }
          LOG.debug("Channel {} closed a subscription: {}", key, reason);
          if (webSocket) {
            outbox.add(ByteBuffer.wrap(WebSocketFrames.close(1012, "channel moved; reconnect")));
          }
          closeWhenFlushed = true;
          flush();
        });
  }

  private void enqueue(ByteBuffer bytes) {
    long total = queued.addAndGet(bytes.remaining());
    outbox.add(bytes);
    if (total > settings.subscriberBuffer()) {
      if (overflow.compareAndSet(false, true)) {
        loop.execute(this::dropSlow);
      }
    } else if (flushScheduled.compareAndSet(false, true)) {
      loop.execute(this::flush);
    }
  }

  private void dropSlow() {
    if (ended) {
      return;
    }
    streams.droppedSlow();
    LOG.info(
        "Channel subscriber of {} from {} fell {} bytes behind: dropped ({})",
        key,
        c.clientAddress,
        queued.get(),
        c.requestId);
    c.close();
  }

  // ----- the loop's side

  /** Writes what is queued, as much as the socket takes now. */
  void flush() {
    flushScheduled.set(false);
    if (ended || !streaming) {
      return;
    }
    try {
      for (; ; ) {
        while (gathered < GATHER) {
          ByteBuffer next = outbox.poll();
          if (next == null) {
            break;
          }
          gather[gathered++] = next;
        }
        if (gathered == 0) {
          break;
        }
        out.write(gather, 0, gathered);
        int done = 0;
        long bytes = 0;
        while (done < gathered && !gather[done].hasRemaining()) {
          bytes += gather[done].capacity();
          done++;
        }
        if (done > 0) {
          System.arraycopy(gather, done, gather, 0, gathered - done);
          for (int k = gathered - done; k < gathered; k++) {
            gather[k] = null;
          }
          gathered -= done;
          queued.addAndGet(-bytes);
          lastWrite = loop.now;
        }
        if (gathered > 0) {
          Pump.on(c.key, SelectionKey.OP_WRITE);
          return;
        }
      }
    } catch (IOException e) {
      LOG.debug("Channel subscriber {} gone: {}", c.clientAddress, e.toString());
      c.close();
      return;
    }
    if (c.tls != null && c.tls.hasPendingOutput()) {
      return; // the connection flushes them on OP_WRITE and calls ready() again
    }
    Pump.off(c.key, SelectionKey.OP_WRITE);
    if (closeWhenFlushed) {
      c.close();
    }
  }

  /** The visitor's socket is ready (after any pending TLS bytes went out). */
  void ready(int ops) {
    if ((ops & SelectionKey.OP_WRITE) != 0) {
      flush();
    }
    if ((ops & SelectionKey.OP_READ) != 0 && !ended) {
      readable();
    }
  }

  /** The visitor sent bytes (WebSocket frames) or closed. */
  void readable() {
    if (!streaming) {
      Pump.off(c.key, SelectionKey.OP_READ);
      return;
    }
    Pump request = c.request;
    byte[] into = sseInput != null ? sseInput : request.buf;
    ByteBuffer view = ByteBuffer.wrap(into);
    try {
      for (int round = 0; round < 16 && !ended; round++) {
        if (askingPublish) {
          Pump.off(c.key, SelectionKey.OP_READ); // publishes wait for the app's answer, in order
          return;
        }
        view.clear();
        int n = in.read(view);
        if (n < 0) {
          c.close();
          return;
        }
        if (n == 0) {
          return;
        }
        if (reader != null && !reader.done()) {
          reader.feed(into, 0, n);
        }
      }
    } catch (IOException e) {
      c.close();
    }
  }

  /** The loop's sweep: a keep-alive when the stream was quiet. */
  void sweep(long now) {
    if (streaming && !ended && now - lastWrite > settings.keepAlive().toNanos()) {
      lastWrite = now;
      enqueue(
          ByteBuffer.wrap(
              webSocket ? WebSocketFrames.frame(WebSocketFrames.PING, new byte[0]) : KEEP_ALIVE));
    }
  }

  private static final byte[] KEEP_ALIVE = SseEvents.KEEP_ALIVE;

  /** The connection closed (any reason): the hub forgets this subscriber. */
  void closed() {
    if (ended) {
      return;
    }
    ended = true;
    if (subscription != null) {
      try {
        subscription.cancel();
      } catch (RuntimeException e) {
        LOG.warn("Channel hub failed to cancel a subscription: {}", e.toString());
      }
    }
    release();
    outbox.clear();
  }

  // ----- WebSocket frames from the visitor (loop thread)

  private final class Frames implements WebSocketReader.Listener {
    @Override
    public void onText(byte[] utf8) {
      waitingPublishes.add(utf8);
      publishWaiting();
    }

    @Override
    public void onPing(byte[] payload) {
      enqueue(ByteBuffer.wrap(WebSocketFrames.frame(WebSocketFrames.PONG, payload)));
    }

    @Override
    public void onClose(int code, String reason) {
      outbox.add(
          ByteBuffer.wrap(
              code == 1005
                  ? WebSocketFrames.frame(WebSocketFrames.CLOSE, new byte[0])
                  : WebSocketFrames.close(code, "")));
      closeWhenFlushed = true;
      flush();
    }

    @Override
    public void onFail(int code, String reason) {
      LOG.info(
          "WebSocket of {} closed with {}: {} ({})", c.clientAddress, code, reason, c.requestId);
      outbox.add(ByteBuffer.wrap(WebSocketFrames.close(code, reason)));
      closeWhenFlushed = true;
      flush();
    }
  }

  /** Publishes what the visitor sent, in order, once the app said it may (asked once). */
  private void publishWaiting() {
    if (publishVerdict == null) {
      if (!askingPublish) {
        if (policy.authorize() == null) {
          publishVerdict = Verdict.REFUSED;
        } else {
          askingPublish = true;
          ask(
              Op.PUBLISH,
              verdict -> {
                askingPublish = false;
                publishVerdict = verdict == Verdict.UNAVAILABLE ? null : verdict;
                if (ended) {
                  return;
                }
                if (verdict == Verdict.UNAVAILABLE) {
                  waitingPublishes.clear();
                  enqueue(
                      ByteBuffer.wrap(
                          WebSocketFrames.text(
                              "{\"error\":\"the app could not say whether you may publish\","
                                  + "\"retry_after\":5}")));
                } else {
                  publishWaiting();
                }
                Pump.on(c.key, SelectionKey.OP_READ);
                readable();
              });
          return;
        }
      } else {
        return;
      }
    }
    if (publishVerdict == Verdict.REFUSED) {
      waitingPublishes.clear();
      outbox.add(
          ByteBuffer.wrap(
              WebSocketFrames.close(1008, "publishing on this channel is not allowed")));
      closeWhenFlushed = true;
      flush();
      return;
    }
    byte[] message;
    while ((message = waitingPublishes.poll()) != null) {
      hub.publish(key, policy.retention(), message)
          .whenComplete(
              (id, failure) -> {
                if (failure == null) {
                  return;
                }
                Throwable cause =
                    failure instanceof CompletionException && failure.getCause() != null
                        ? failure.getCause()
                        : failure;
                int retry =
                    cause instanceof ChannelUnavailableException u
                        ? Math.max(1, u.retryAfterSeconds())
                        : 5;
                enqueue(
                    ByteBuffer.wrap(
                        WebSocketFrames.text(
                            "{\"error\":\"not published: the channel is unavailable here now\","
                                + "\"retry_after\":"
                                + retry
                                + "}")));
              });
    }
  }
}
