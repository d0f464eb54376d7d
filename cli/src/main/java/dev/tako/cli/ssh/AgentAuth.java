package dev.tako.cli.ssh;

import com.hierynomus.sshj.key.KeyAlgorithm;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.common.Message;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.method.AbstractAuthMethod;

/**
 * SSH {@code publickey} authentication (RFC 4252 §7) with one key held by an SSH agent: the same
 * exchange as SSHJ's {@code AuthPublickey} (a query with the public key, then, once the server
 * answers {@code PK_OK}, the request signed over the session id), except that the signature comes
 * from the {@link AgentClient}, so the private key never leaves the agent.
 *
 * <p>RSA keys are offered with the SHA-2 algorithms the transport negotiated (rsa-sha2-512, then
 * rsa-sha2-256; RFC 8332), asking the agent for the matching hash with its sign flags; when the
 * server refuses one algorithm the next is tried, as SSHJ does for key files. Every other key type
 * (ed25519, ECDSA, FIDO {@code sk-*} keys, certificates) is offered under its own type name, which
 * is also its signature algorithm, so SSHJ need not know the type at all. An agent that refuses to
 * sign fails this method with a {@link UserAuthException} saying so; SSHJ then tries the next one.
 */
final class AgentAuth extends AbstractAuthMethod {

  private static final List<String> RSA_SHA2 = List.of("rsa-sha2-512", "rsa-sha2-256");

  private final AgentClient agent;
  private final AgentClient.Identity identity;
  private Queue<String> algorithms;

  AgentAuth(AgentClient agent, AgentClient.Identity identity) {
    super("publickey");
    this.agent = agent;
    this.identity = identity;
  }

  @Override
  public void handle(Message cmd, SSHPacket buf) throws UserAuthException, TransportException {
    if (cmd == Message.USERAUTH_60) {
      params.getTransport().write(signed());
    } else {
      super.handle(cmd, buf);
    }
  }

  @Override
  public boolean shouldRetry() {
    // the server refused this algorithm; another one for the same key may still be accepted
    if (algorithms == null) {
      return false;
    }
    algorithms.poll();
    return !algorithms.isEmpty();
  }

  /** The query: the key and its algorithm, no signature. */
  @Override
  protected SSHPacket buildReq() throws UserAuthException {
    return request(false);
  }

  private SSHPacket request(boolean signed) throws UserAuthException {
    SSHPacket req = super.buildReq();
    req.putBoolean(signed);
    req.putString(algorithm());
    req.putBytes(identity.blob());
    return req;
  }

  private SSHPacket signed() throws UserAuthException {
    SSHPacket req = request(true);
    // what is signed: the session id, then the request so far (RFC 4252 §7)
    byte[] data =
        new Buffer.PlainBuffer()
            .putString(params.getTransport().getSessionID())
            .putBuffer(req)
            .getCompactData();
    String algorithm = algorithm();
    byte[] signature;
    try {
      signature = agent.sign(identity.blob(), data, flags(algorithm));
    } catch (IOException e) {
      throw new UserAuthException(e.getMessage(), e);
    }
    String signedWith = signatureAlgorithm(signature);
    if (!algorithm.equals(signedWith)) {
      throw new UserAuthException(
          "the SSH agent at "
              + agent.socket()
              + " signed with "
              + signedWith
              + " where "
              + algorithm
              + " was asked; update the agent");
    }
    req.putBytes(signature);
    return req;
  }

  private String algorithm() throws UserAuthException {
    if (algorithms == null) {
      algorithms = new ArrayDeque<>(candidates());
    }
    String a = algorithms.peek();
    if (a == null) {
      throw new UserAuthException("no signature algorithm left for " + this);
    }
    return a;
  }

  private List<String> candidates() throws UserAuthException {
    String type = identity.keyType();
    if (!KeyType.RSA.toString().equals(type)) {
      return List.of(type);
    }
    try {
      List<String> negotiated =
          params.getTransport().getClientKeyAlgorithms(KeyType.RSA).stream()
              .map(KeyAlgorithm::getKeyAlgorithm)
              .filter(RSA_SHA2::contains)
              .toList();
      return negotiated.isEmpty() ? RSA_SHA2 : negotiated;
    } catch (TransportException e) {
      throw new UserAuthException("cannot pick an RSA signature algorithm: " + e.getMessage(), e);
    }
  }

  static int flags(String algorithm) {
    return switch (algorithm) {
      case "rsa-sha2-256" -> AgentClient.SSH_AGENT_RSA_SHA2_256;
      case "rsa-sha2-512" -> AgentClient.SSH_AGENT_RSA_SHA2_512;
      default -> 0;
    };
  }

  private static String signatureAlgorithm(byte[] signature) throws UserAuthException {
    try {
      return new Buffer.PlainBuffer(signature).readString();
    } catch (Buffer.BufferException e) {
      throw new UserAuthException("the SSH agent sent a malformed signature", e);
    }
  }

  @Override
  public String toString() {
    return "agent key " + identity.fingerprint() + " (" + identity.comment() + ")";
  }
}
