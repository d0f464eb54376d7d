package dev.tako.node.peer;

import dev.tako.persistence.ArtifactStore;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * Binds the node-to-node listener: HTTPS that requires a client certificate of the cluster CA (a
 * connection without one fails its handshake before any request is read). The TLS context is made
 * anew for each connection from the files, so rotated certificates apply without a restart; a
 * broken file fails the handshakes, not the node.
 */
public final class PeerListener {
  private PeerListener() {}

  public static CompletionStage<ServerBinding> bind(
      ActorSystem<?> system, PeerSettings settings, Path home, ArtifactStore store) {
    Path tls = home.resolve("tls");
    return Http.get(system)
        .newServerAt(settings.bindHost(), settings.port())
        .enableHttps(ConnectionContext.httpsServer(() -> engine(tls)))
        .bind(new PeerRoutes(store).route());
  }

  private static SSLEngine engine(Path tls) {
    SSLContext ctx;
    try {
      ctx = PeerTls.context(tls);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the node's TLS files in " + tls, e);
    }
    SSLEngine engine = ctx.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setNeedClientAuth(true);
    return engine;
  }
}
