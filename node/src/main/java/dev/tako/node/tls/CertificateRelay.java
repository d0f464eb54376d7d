package dev.tako.node.tls;

import dev.tako.node.StepResult;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * This node's side of the certificate exchange between nodes: another node's ACME challenges are
 * answered here too, and certificates are copied in either direction. The NodeAgent hands it the
 * messages; every answer is a reply (a store that fails is ok = false with the reason).
 */
public final class CertificateRelay {
  private final CertificateExchange certificates;
  private final String server;
  private final Executor blocking;

  /**
   * @param blocking where certificates are written to the node home
   */
  public CertificateRelay(CertificateExchange certificates, String server, Executor blocking) {
    this.certificates = certificates;
    this.server = server;
    this.blocking = blocking;
  }

  public StepResult challengePublished(String token, String keyAuthorization, String by) {
    certificates.challengePublished(token, keyAuthorization, by);
    return StepResult.ok(server);
  }

  public StepResult challengeWithdrawn(String token) {
    certificates.challengeWithdrawn(token);
    return StepResult.ok(server);
  }

  public CertificateCopy requested(AcmeHost host, String by, boolean orderIfMissing) {
    return new CertificateCopy(server, certificates.requested(host, by, orderIfMissing));
  }

  /** Ok; unchanged when this node kept the one it has (it expires no earlier). */
  public CompletionStage<StepResult> receive(SharedCertificate certificate, String from) {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return certificates.receive(certificate, from);
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            },
            blocking)
        .handle(
            (taken, failure) ->
                failure == null
                    ? new StepResult(server, true, !taken, null, List.of())
                    : StepResult.failed(server, StepResult.rootMessage(failure)));
  }
}
