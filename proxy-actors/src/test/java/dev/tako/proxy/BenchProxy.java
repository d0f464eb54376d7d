package dev.tako.proxy;

import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The proxy alone, for {@code bench/proxy-vs-nginx.sh}: binds {@link TcpProxy} ("tcp") or the older
 * {@link HttpProxy} ("http") with static routes, no cluster, and runs until killed.
 *
 * <p>Usage: {@code BenchProxy tcp|http PORT HOST=UPSTREAM_HOST:PORT...}, e.g. {@code BenchProxy tcp
 * 18090 nginx.bench=127.0.0.1:18081 node.bench=127.0.0.1:18082}.
 */
public final class BenchProxy {
  private BenchProxy() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: BenchProxy tcp|http PORT HOST=UPSTREAM_HOST:PORT...");
      System.exit(2);
    }
    Map<String, AppRoutes> apps = new LinkedHashMap<>();
    for (int i = 2; i < args.length; i++) {
      String[] route = args[i].split("=", 2);
      int colon = route[1].lastIndexOf(':');
      Upstream upstream =
          new Upstream(
              route[1].substring(0, colon), Integer.parseInt(route[1].substring(colon + 1)));
      apps.put("app" + i, new AppRoutes(List.of(route[0]), List.of(upstream)));
    }
    RouteSnapshots routes = new RouteSnapshots();
    routes.publish(RouteSnapshot.of(apps));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory.load());
    ProxySettings settings = ProxySettings.fromConfig(system.settings().config());
    int port = Integer.parseInt(args[1]);
    Object binding =
        switch (args[0]) {
          case "tcp" ->
              TcpProxy.bind(system, "127.0.0.1", port, routes, settings)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS)
                  .localAddress();
          case "http" ->
              HttpProxy.bind(system, "127.0.0.1", port, routes, settings)
                  .toCompletableFuture()
                  .get(10, TimeUnit.SECONDS)
                  .localAddress();
          default -> throw new IllegalArgumentException("tcp or http, not " + args[0]);
        };
    System.out.println("bench proxy " + args[0] + " listening on " + binding + " routes " + apps);
    system.getWhenTerminated().toCompletableFuture().get();
  }
}
