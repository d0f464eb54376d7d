package dev.tako.proxy;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * A connection from the proxy to one app instance, kept alive between requests in its {@link
 * EventLoop}'s pool. While a {@link ProxyConnection} owns it, its events go to that owner; while
 * idle, any byte or end of stream from the app means it is no longer usable and it is closed.
 */
final class UpstreamConnection implements EventLoop.Handler {
  final Upstream upstream;
  final SocketChannel channel;
  final EventLoop loop;
  SelectionKey key;
  ProxyConnection owner;

  /** Served an earlier request, so a failure before any answer may just be a stale connection. */
  boolean reused;

  long idleSince;

  /** Counted in the loop's open connections to {@link #upstream} (see EventLoop). */
  boolean counted;

  UpstreamConnection(EventLoop loop, Upstream upstream, SocketChannel channel) {
    this.loop = loop;
    this.upstream = upstream;
    this.channel = channel;
  }

  @Override
  public void ready(SelectionKey key) {
    if (owner != null) {
      owner.onUpstream(this, key.readyOps());
    } else {
      loop.idleEvent(this);
    }
  }

  /** Closed, or an upgraded pipe that may live for hours: no longer counted. */
  void uncount() {
    if (counted) {
      counted = false;
      loop.uncounted(upstream);
    }
  }

  void close() {
    owner = null;
    uncount();
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
  }
}
