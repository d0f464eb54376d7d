package dev.tako.proxy.channels;

public interface ChannelSubscription {
  void cancel();
}
