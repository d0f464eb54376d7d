package dev.tako.node.tls;

import dev.tako.persistence.NodeLedger;
import dev.tako.protocol.RoutePattern;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.config.EnvConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One host of a route whose environment has {@code tls = "acme"}: the name to order a certificate
 * for, and the ACME account to order it with.
 *
 * @param host lower case, without a port or path; for a wildcard route the part after {@code *.}
 * @param wildcard true for a {@code *.host} route, which HTTP-01 cannot validate (it is served the
 *     self-signed certificate)
 * @param app "app/env", for log messages
 * @param directory the ACME directory URL
 * @param email the account's contact e-mail, or null
 * @param servers the servers of the environment, in the release's order (the first one that is up
 *     orders the certificate for all of them, see {@link Orderer})
 */
public record AcmeHost(
    String host,
    boolean wildcard,
    String app,
    String directory,
    String email,
    List<String> servers) {

  public AcmeHost {
    servers = servers == null ? List.of() : List.copyOf(servers);
  }

  /** A host of no known environment: this node orders for itself alone. */
  public AcmeHost(String host, boolean wildcard, String app, String directory, String email) {
    this(host, wildcard, app, directory, email, List.of());
  }

  /** The hosts of one release's routes, or none when its tls is not "acme". */
  public static List<AcmeHost> of(DeployRequest request) {
    if (request == null || !"acme".equals(request.tls())) {
      return List.of();
    }
    String directory =
        request.acmeDirectory() == null || request.acmeDirectory().isBlank()
            ? EnvConfig.DEFAULT_ACME_DIRECTORY
            : request.acmeDirectory();
    String app = request.app() + "/" + request.env();
    List<AcmeHost> out = new ArrayList<>();
    for (String route : request.routes()) {
      RoutePattern p;
      try {
        p = RoutePattern.parse(route);
      } catch (IllegalArgumentException e) {
        continue; // validated by the CLI; an odd route gets no certificate rather than a crash
      }
      out.add(
          new AcmeHost(
              p.host(), p.wildcard(), app, directory, request.acmeEmail(), request.servers()));
    }
    return List.copyOf(out);
  }

  /**
   * Every host the current releases on this node want an ACME certificate for, one entry per host
   * and kind (of apps naming the same host, the first by app/env decides the account).
   */
  public static List<AcmeHost> wantedBy(NodeLedger.State state) {
    Map<String, AcmeHost> out = new LinkedHashMap<>();
    if (state == null) {
      return List.of();
    }
    for (NodeLedger.AppState app : new TreeMap<>(state.apps()).values()) {
      app.currentRelease()
          .ifPresent(
              rec -> {
                for (AcmeHost h : of(rec.request())) {
                  out.putIfAbsent((h.wildcard() ? "*." : "") + h.host(), h);
                }
              });
    }
    return List.copyOf(out.values());
  }
}
