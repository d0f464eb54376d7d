package dev.tako.proxy;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/**
 * One proxy listener on 127.0.0.1 in front of one {@link LenientUpstream}, for the byte-level
 * tests: {@code app.test} routes to it, and so does {@code secure.test}, an app with TLS on (the
 * plain port redirects it). Close to unbind and stop everything.
 */
final class ProxyUnderTest implements AutoCloseable {
  final LenientUpstream app;
  private final ActorTestKit testKit = ActorTestKit.create();
  private final TcpProxy.Binding binding;

  ProxyUnderTest(
      ProxySettings settings, ProxyListener listener, Map<String, LenientUpstream.Answer> script)
      throws Exception {
    app = new LenientUpstream(script);
    List<Upstream> upstreams = List.of(app.upstream());
    RouteSnapshots routes = new RouteSnapshots();
    routes.publish(
        RouteSnapshot.of(
            Map.of(
                "app", new AppRoutes(List.of("app.test"), upstreams),
                "secure", new AppRoutes(List.of("secure.test"), upstreams, false, 0, true, null))));
    binding =
        TcpProxy.bind(testKit.system(), "127.0.0.1", 0, routes, settings, listener)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  /** An app that answers every request {@link LenientUpstream#OK}. */
  ProxyUnderTest(ProxySettings settings, ProxyListener listener) throws Exception {
    this(settings, listener, Map.of());
  }

  int port() {
    return binding.localAddress().getPort();
  }

  @Override
  public void close() throws Exception {
    try {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      app.close();
      testKit.shutdownTestKit();
    }
  }
}
