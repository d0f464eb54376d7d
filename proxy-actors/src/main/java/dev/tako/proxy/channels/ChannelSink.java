package dev.tako.proxy.channels;

public interface ChannelSink {
  void onMessage(String id, byte[] data);

  void onReset();

  void onClosed(String reason);
}
