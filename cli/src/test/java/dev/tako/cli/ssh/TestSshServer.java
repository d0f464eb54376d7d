package dev.tako.cli.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.apache.sshd.common.file.virtualfs.VirtualFileSystemFactory;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.shell.ProcessShellCommandFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

/**
 * An Apache MINA SSHD server on 127.0.0.1 set up like a playground node's SSH endpoint: host key
 * and authorized_keys written by {@link KeyFiles}, SFTP rooted at a directory, TCP forwarding
 * allowed.
 */
public final class TestSshServer implements AutoCloseable {

  public final Path root;
  final Path clientKey;
  final KeyPair hostKeys;
  private final SshServer server;

  private TestSshServer(Path root, Path clientKey, KeyPair hostKeys, SshServer server) {
    this.root = root;
    this.clientKey = clientKey;
    this.hostKeys = hostKeys;
    this.server = server;
  }

  /** A server with a fresh host key, accepting a fresh client key kept in {@code dir}. */
  public static TestSshServer start(Path dir) throws IOException {
    Path clientKey = dir.resolve("client.key");
    if (!Files.exists(clientKey)) {
      KeyPair client = KeyFiles.generateRsa();
      KeyFiles.writePrivateKey(clientKey, client.getPrivate());
      Files.writeString(
          dir.resolve("authorized_keys"),
          KeyFiles.authorizedKeyLine(client.getPublic(), "tako") + "\n");
    }
    KeyPair host = KeyFiles.generateRsa();
    Path hostKeyFile = dir.resolve("host-" + System.nanoTime() + ".key");
    KeyFiles.writePrivateKey(hostKeyFile, host.getPrivate());
    return start(dir, hostKeyFile, 0);
  }

  /** A server on {@code port} (0: any) with the host key in {@code hostKeyFile}. */
  public static TestSshServer start(Path dir, Path hostKeyFile, int port) throws IOException {
    Path root = Files.createDirectories(dir.resolve("root"));
    SshServer server = SshServer.setUpDefaultServer();
    server.setHost("127.0.0.1");
    server.setPort(port);
    // MINA reads the PKCS#8 PEM file itself: the playground node loads its host key this way
    server.setKeyPairProvider(new FileKeyPairProvider(hostKeyFile));
    server.setPublickeyAuthenticator(
        new AuthorizedKeysAuthenticator(dir.resolve("authorized_keys")));
    server.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
    server.setFileSystemFactory(new VirtualFileSystemFactory(root));
    server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
    server.setCommandFactory(ProcessShellCommandFactory.INSTANCE);
    server.start();
    return new TestSshServer(
        root, dir.resolve("client.key"), KeyFiles.readPkcs8(hostKeyFile), server);
  }

  public int port() {
    return server.getPort();
  }

  public SshTarget target(Path knownHosts) {
    return new SshTarget(
        "la", "127.0.0.1", port(), "tako", clientKey, List.of(knownHosts), knownHosts);
  }

  @Override
  public void close() throws IOException {
    server.stop(true);
  }
}
