package dev.tako.proxy.channels;

public record ChannelRetention(java.time.Duration maxAge, int maxMessages) {
  public static final ChannelRetention DEFAULT =
      new ChannelRetention(java.time.Duration.ofMinutes(10), 1000);
}
