package dev.tako.proxy;

import dev.tako.proxy.channels.ChannelHub;
import dev.tako.proxy.channels.ChannelKey;
import dev.tako.proxy.channels.ChannelRetention;
import dev.tako.proxy.channels.ChannelSink;
import dev.tako.proxy.channels.ChannelSubscription;
import dev.tako.proxy.channels.ChannelUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A one-node channel hub for the proxy's tests: ids 1, 2, 3… per channel, the last {@code
 * maxMessages} kept, delivery to every subscriber under one lock (so one order). {@link
 * #unavailable} makes publishes fail as a cut-off node's would.
 */
final class MemoryChannelHub implements ChannelHub {
  private record Entry(long id, byte[] data) {}

  private static final class Channel {
    final List<Entry> log = new ArrayList<>();
    final List<ChannelSink> sinks = new ArrayList<>();
    long next = 1;
  }

  private final Map<ChannelKey, Channel> channels = new HashMap<>();
  volatile boolean unavailable;

  @Override
  public synchronized ChannelSubscription subscribe(
      ChannelKey key, ChannelRetention retention, String since, ChannelSink sink) {
    Channel ch = channels.computeIfAbsent(key, k -> new Channel());
    if (since != null) {
      long first = ch.log.isEmpty() ? ch.next : ch.log.get(0).id();
      long after;
      try {
        after = Long.parseLong(since);
      } catch (NumberFormatException e) {
        after = -1;
      }
      if (after < first - 1 || after >= ch.next) {
        sink.onReset();
        after = first - 1;
      }
      for (Entry e : ch.log) {
        if (e.id() > after) {
          sink.onMessage(Long.toString(e.id()), e.data());
        }
      }
    }
    ch.sinks.add(sink);
    return () -> {
      synchronized (MemoryChannelHub.this) {
        ch.sinks.remove(sink);
      }
    };
  }

  @Override
  public synchronized CompletionStage<String> publish(
      ChannelKey key, ChannelRetention retention, byte[] message) {
    if (unavailable) {
      return CompletableFuture.failedFuture(new ChannelUnavailableException("cut off", 7));
    }
    Channel ch = channels.computeIfAbsent(key, k -> new Channel());
    Entry entry = new Entry(ch.next++, message.clone());
    ch.log.add(entry);
    while (ch.log.size() > retention.maxMessages()) {
      ch.log.remove(0);
    }
    for (ChannelSink sink : ch.sinks) {
      sink.onMessage(Long.toString(entry.id()), entry.data());
    }
    return CompletableFuture.completedFuture(Long.toString(entry.id()));
  }

  synchronized int subscribers(ChannelKey key) {
    Channel ch = channels.get(key);
    return ch == null ? 0 : ch.sinks.size();
  }
}
