package dev.tako.proxy.channels;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The node's open subscriber streams across all its proxy ports: admits a new one only within the
 * per-node limit ({@link ChannelSettings#maxSubscribers}; the limit of channels is the hub's), and
 * counts what the metrics show (subscribers, channels, deliveries, dropped slow subscribers).
 * Thread-safe without locks held across calls; a stream that was admitted must {@link #leave}
 * exactly once.
 */
public final class ChannelStreams {
  private final AtomicInteger subscribers = new AtomicInteger();
  private final ConcurrentHashMap<ChannelKey, Integer> channels = new ConcurrentHashMap<>();
  private final LongAdder deliveries = new LongAdder();
  private final LongAdder dropped = new LongAdder();

  /**
   * Takes a place for one subscriber of {@code key}.
   *
   * @return null when admitted, else why not (the visitor gets 503 with it)
   */
  public String admit(ChannelKey key, ChannelSettings settings) {
    if (subscribers.incrementAndGet() > settings.maxSubscribers()) {
      subscribers.decrementAndGet();
      return "this server has its maximum of "
          + settings.maxSubscribers()
          + " subscribers (tako.channels.max-subscribers); try again later";
    }
    channels.merge(key, 1, Integer::sum);
    return null;
  }

  /** An admitted subscriber of {@code key} is gone. */
  public void leave(ChannelKey key) {
    channels.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
    subscribers.decrementAndGet();
  }

  public void delivered() {
    deliveries.increment();
  }

  /** A subscriber fell too far behind and was disconnected. */
  public void droppedSlow() {
    dropped.increment();
  }

  public int subscribers() {
    return subscribers.get();
  }

  public int channels() {
    return channels.size();
  }

  public long deliveries() {
    return deliveries.sum();
  }

  public long dropped() {
    return dropped.sum();
  }

  /** Appends the channel metrics in Prometheus text format; {@code labels} may be empty. */
  public void render(StringBuilder out, String labels) {
    String l = labels.isEmpty() ? "" : "{" + labels + "}";
    sample(out, "tako_channels_subscribers", "gauge", "Open subscriber streams.", l, subscribers());
    sample(out, "tako_channels_active", "gauge", "Channels with a subscriber here.", l, channels());
    sample(
        out,
        "tako_channels_deliveries_total",
        "counter",
        "Messages written to subscribers.",
        l,
        deliveries());
    sample(
        out,
        "tako_channels_dropped_total",
        "counter",
        "Subscribers disconnected for reading too slowly.",
        l,
        dropped());
  }

  private static void sample(
      StringBuilder out, String name, String type, String help, String labels, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    out.append(name).append(labels).append(' ').append(value).append('\n');
  }
}
