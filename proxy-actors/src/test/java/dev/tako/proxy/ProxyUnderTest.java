package dev.tako.proxy;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** One proxy listener on 127.0.0.1 with fixed routes, for the byte-level tests; close to unbind. */
final class ProxyUnderTest implements AutoCloseable {
  final TcpProxy.Binding binding;
  final RouteSnapshots routes = new RouteSnapshots();

  ProxyUnderTest(
      ActorTestKit testKit,
      Map<String, AppRoutes> apps,
      ProxySettings settings,
      ProxyListener listener)
      throws Exception {
    routes.publish(RouteSnapshot.of(apps));
    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, routes, settings, listener)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  int port() {
    return binding.localAddress().getPort();
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
