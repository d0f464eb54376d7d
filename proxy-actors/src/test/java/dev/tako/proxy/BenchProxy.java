package dev.tako.proxy;

import com.typesafe.config.ConfigFactory;
import dev.tako.proxy.tls.AcmeChallenges;
import dev.tako.proxy.tls.CertificateSource;
import dev.tako.proxy.tls.CertifiedKey;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The proxy alone, for {@code bench/proxy-vs-nginx.sh}: binds {@link TcpProxy} ("tcp"), the same
 * over HTTPS ("tls", with the PEM key and certificate named by the system properties {@code
 * bench.key} and {@code bench.cert}, the ones nginx gets too) or the older {@link HttpProxy}
 * ("http") with static routes, no cluster, and runs until killed.
 *
 * <p>Usage: {@code BenchProxy tcp|tls|http PORT HOST=UPSTREAM_HOST:PORT...}, e.g. {@code BenchProxy
 * tcp 18090 nginx.bench=127.0.0.1:18081 node.bench=127.0.0.1:18082}; a host written {@code
 * https:secure.bench=...} belongs to an app with TLS on (plain requests are redirected to HTTPS,
 * port 443).
 */
public final class BenchProxy {
  private BenchProxy() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: BenchProxy tcp|tls|http PORT HOST=UPSTREAM_HOST:PORT...");
      System.exit(2);
    }
    Map<String, AppRoutes> apps = new LinkedHashMap<>();
    boolean anySecure = false;
    for (int i = 2; i < args.length; i++) {
      String[] route = args[i].split("=", 2);
      int colon = route[1].lastIndexOf(':');
      Upstream upstream =
          new Upstream(
              route[1].substring(0, colon), Integer.parseInt(route[1].substring(colon + 1)));
      // "https:" before the host: the app has TLS on, so the plain port redirects it to HTTPS.
      boolean secure = route[0].startsWith("https:");
      anySecure |= secure;
      String host = secure ? route[0].substring("https:".length()) : route[0];
      apps.put("app" + i, new AppRoutes(List.of(host), List.of(upstream), false, 0, secure, null));
    }
    RouteSnapshots routes = new RouteSnapshots();
    routes.publish(RouteSnapshot.of(apps));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "bench", ConfigFactory.load());
    ProxySettings settings = ProxySettings.fromConfig(system.settings().config());
    int port = Integer.parseInt(args[1]);
    Object binding =
        switch (args[0]) {
          case "tcp", "tls" -> {
            // Plain: https: routes are redirected to port 443.
            ProxyListener listener =
                args[0].equals("tls")
                    ? new ProxyListener.Tls(pemCertificate())
                    : anySecure
                        ? new ProxyListener.Plain(AcmeChallenges.NONE, 443)
                        : ProxyListener.PLAIN;
            yield TcpProxy.bind(system, "127.0.0.1", port, routes, settings, listener)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .localAddress();
          }
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

  /** One key and certificate for every host, read from PEM files (PKCS#8 key). */
  private static CertificateSource pemCertificate() throws Exception {
    String pem = Files.readString(Path.of(System.getProperty("bench.key")));
    String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    byte[] der = Base64.getDecoder().decode(base64);
    PrivateKey key;
    try {
      key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (InvalidKeySpecException notRsa) {
      key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    }
    X509Certificate certificate;
    try (InputStream in = Files.newInputStream(Path.of(System.getProperty("bench.cert")))) {
      certificate =
          (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    }
    CertifiedKey fixed = new CertifiedKey(key, List.of(certificate));
    return host -> fixed;
  }
}
