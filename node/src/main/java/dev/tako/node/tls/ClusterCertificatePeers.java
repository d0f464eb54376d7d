package dev.tako.node.tls;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import dev.tako.node.cluster.ClusterView;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The certificate manager's view of the other nodes: members that are up and reachable (from this
 * node's cluster state, like {@link ClusterView#members()}), and their NodeAgents, found through
 * the Receptionist and asked with the node's ask timeout ({@link ClusterView#askAgent}). Asks that
 * fail or time out fail their stage (or count as no acknowledgement); nothing here waits longer.
 */
public final class ClusterCertificatePeers implements CertificatePeers {
  private final ClusterView view;
  private final String self;

  public ClusterCertificatePeers(ClusterView view, String self) {
    this.view = view;
    this.self = self;
  }

  @Override
  public String self() {
    return self;
  }

  @Override
  public boolean joined() {
    return view.members().stream()
        .anyMatch(m -> m.server().equals(self) && m.status().equals("up"));
  }

  @Override
  public Set<String> up() {
    Set<String> out = new TreeSet<>(view.upServers());
    out.remove(self);
    return Set.copyOf(out);
  }

  @Override
  public CompletionStage<Set<String>> publishChallenge(
      Set<String> servers, String token, String keyAuthorization) {
    return view.<StepResult>askEach(
            servers, r -> new NodeAgent.PublishChallenge(token, keyAuthorization, self, r))
        .thenApply(
            acks ->
                acks.stream()
                    .filter(StepResult::ok)
                    .map(StepResult::server)
                    .collect(java.util.stream.Collectors.toUnmodifiableSet()));
  }

  @Override
  public void withdrawChallenge(Set<String> servers, String token) {
    for (String server : servers) {
      view.<StepResult>askAgent(server, r -> new NodeAgent.WithdrawChallenge(token, r));
    }
  }

  @Override
  public CompletionStage<SharedCertificate> fetch(
      String server, AcmeHost host, boolean orderIfMissing) {
    return view.<CertificateCopy>askAgent(
            server, r -> new NodeAgent.FetchCertificate(host, self, orderIfMissing, r))
        .thenApply(CertificateCopy::certificate);
  }

  @Override
  public CompletionStage<Boolean> deliver(String server, SharedCertificate certificate) {
    return view.<StepResult>askAgent(
            server, r -> new NodeAgent.StoreCertificate(certificate, self, r))
        .thenCompose(
            r ->
                r.ok()
                    ? CompletableFuture.completedFuture(!r.unchanged())
                    : CompletableFuture.failedFuture(new IllegalStateException(r.error())));
  }
}
