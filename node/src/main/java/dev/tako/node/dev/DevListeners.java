package dev.tako.node.dev;

import dev.tako.proxy.ProxyListener;
import dev.tako.proxy.ProxySettings;
import dev.tako.proxy.RouteSnapshots;
import dev.tako.proxy.TcpProxy;
import dev.tako.proxy.tls.AcmeChallenges;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Binds the dev proxy's two listeners on 127.0.0.1: HTTPS terminated with the dev CA's leaves, and
 * plain HTTP that redirects to it. Blocks until bound; a port in use throws.
 */
final class DevListeners {
  private static final String LOOPBACK = "127.0.0.1";

  private DevListeners() {}

  static TcpProxy.Binding bindHttps(
      ActorSystem<?> system, int port, RouteSnapshots routes, ProxySettings settings, DevCa ca) {
    return await(
        TcpProxy.bind(system, LOOPBACK, port, routes, settings, new ProxyListener.Tls(ca)));
  }

  static TcpProxy.Binding bindHttp(
      ActorSystem<?> system,
      int port,
      int httpsPort,
      RouteSnapshots routes,
      ProxySettings settings) {
    // Dev routes are registered secure, so every request here gets 307 to HTTPS.
    return await(
        TcpProxy.bind(
            system,
            LOOPBACK,
            port,
            routes,
            settings,
            new ProxyListener.Plain(AcmeChallenges.NONE, httpsPort)));
  }

  private static TcpProxy.Binding await(
      java.util.concurrent.CompletionStage<TcpProxy.Binding> binding) {
    try {
      return binding.toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      throw new IllegalStateException(
          cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
    } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("binding took too long", e);
    }
  }
}
