package dev.tako.node.tls;

import dev.tako.node.NodeAgent;
import dev.tako.node.StepResult;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * This node's side of the certificate exchange between nodes: another node's ACME challenges are
 * answered here too, and certificates are copied in either direction. The NodeAgent hands it the
 * messages, on its thread; every answer is a reply (a store that fails is ok = false with the
 * reason).
 */
public final class CertificateRelay {
  private final ActorContext<NodeAgent.Command> ctx;
  private final CertificateExchange certificates;
  private final String server;
  private final Executor blocking;

  /**
   * @param blocking where certificates are written to the node home
   */
  public CertificateRelay(
      ActorContext<NodeAgent.Command> ctx,
      CertificateExchange certificates,
      String server,
      Executor blocking) {
    this.ctx = ctx;
    this.certificates = certificates;
    this.server = server;
    this.blocking = blocking;
  }

  public void published(NodeAgent.PublishChallenge m) {
    certificates.challengePublished(m.token(), m.keyAuthorization(), m.by());
    m.replyTo().tell(StepResult.ok(server));
  }

  public void withdrawn(NodeAgent.WithdrawChallenge m) {
    certificates.challengeWithdrawn(m.token());
    m.replyTo().tell(StepResult.ok(server));
  }

  public void requested(NodeAgent.FetchCertificate m) {
    m.replyTo()
        .tell(
            new CertificateCopy(
                server, certificates.requested(m.host(), m.by(), m.orderIfMissing())));
  }

  /**
   * Writes the node home, so on the blocking dispatcher; ok, and unchanged when this node kept the
   * one it has (it expires no earlier).
   */
  public void receive(NodeAgent.StoreCertificate m) {
    ctx.pipeToSelf(
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return certificates.receive(m.certificate(), m.from());
              } catch (IOException e) {
                throw new CompletionException(e);
              }
            },
            blocking),
        (taken, failure) ->
            new NodeAgent.Continue(
                () ->
                    m.replyTo()
                        .tell(
                            failure == null
                                ? new StepResult(server, true, !taken, null, List.of())
                                : StepResult.failed(server, StepResult.rootMessage(failure)))));
  }
}
