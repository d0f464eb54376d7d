package dev.tako.node;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.List;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.ForwardingFilter;
import org.apache.sshd.server.forward.StaticDecisionForwardingFilter;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * The playground's stand-in for a server's OpenSSH: an SSH/SFTP endpoint on 127.0.0.1, rooted at
 * the node's home, accepting only the playground's client key ({@code <home>/authorized_keys}) and
 * only local port forwarding to loopback (the CLI's tunnel to the management API), and remote
 * commands through {@code /bin/sh} ({@code tako run}; with a PTY request the command gets a
 * terminal, see {@link PlaygroundPtyCommand}). Its host key is made by the CLI ({@code
 * <home>/ssh_host_key}, PKCS#8 PEM) so the CLI can record it in known_hosts.
 */
public final class PlaygroundSsh implements AutoCloseable {
  private final SshServer server;

  private PlaygroundSsh(SshServer server) {
    this.server = server;
  }

  public static PlaygroundSsh start(Path home, int port) throws IOException {
    SshServer sshd = SshServer.setUpDefaultServer();
    sshd.setHost("127.0.0.1");
    sshd.setPort(port);
    sshd.setKeyPairProvider(KeyPairProvider.wrap(readRsaKeyPair(home.resolve("ssh_host_key"))));
    sshd.setPublickeyAuthenticator(
        new AuthorizedKeysAuthenticator(home.resolve("authorized_keys")));
    sshd.setPasswordAuthenticator(null);
    sshd.setKeyboardInteractiveAuthenticator(null);
    sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    sshd.setFileSystemFactory(new VirtualFileSystemFactory(home));
    sshd.setForwardingFilter(loopbackOnly());
    // remote commands (tako run) as the node's user, via /bin/sh -c; a PTY when one is requested
    sshd.setCommandFactory(PlaygroundPtyCommand.FACTORY);
    sshd.start();
    return new PlaygroundSsh(sshd);
  }

  private static ForwardingFilter loopbackOnly() {
    return new StaticDecisionForwardingFilter(false) {
      @Override
      public boolean canConnect(
          Type type, SshdSocketAddress address, org.apache.sshd.common.session.Session session) {
        return type == Type.Direct && isLoopback(address.getHostName());
      }
    };
  }

  private static boolean isLoopback(String host) {
    try {
      return new InetSocketAddress(host, 0).getAddress().isLoopbackAddress();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Reads an RSA private key in PKCS#8 PEM and derives its public half. */
  static KeyPair readRsaKeyPair(Path pem) throws IOException {
    String text = Files.readString(pem);
    String b64 =
        text.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    try {
      KeyFactory rsa = KeyFactory.getInstance("RSA");
      RSAPrivateCrtKey priv =
          (RSAPrivateCrtKey)
              rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
      return new KeyPair(
          rsa.generatePublic(new RSAPublicKeySpec(priv.getModulus(), priv.getPublicExponent())),
          priv);
    } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
      throw new IOException(pem + " is not an RSA private key in PKCS#8 PEM", e);
    }
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
