package dev.tako.cli.ssh;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.SecurityUtils;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyPairWrapper;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;
import net.schmizz.sshj.userauth.method.AuthMethod;
import net.schmizz.sshj.userauth.method.AuthPublickey;
import net.schmizz.sshj.userauth.password.PasswordFinder;
import net.schmizz.sshj.userauth.password.Resource;

/**
 * Opens authenticated SSH connections with SSHJ: TCP connect, host key check against the target's
 * known_hosts files under a {@link HostKeyPolicy}, then public-key authentication with the keys of
 * the SSH agent ({@code SSH_AUTH_SOCK}) first (an unreachable agent is skipped, said with {@code
 * --verbose}), then the target's identity or the user's default keys, all within 5 s (SPEC §11: a
 * server that does not answer by then counts as unreachable, also one whose connection is accepted
 * and then hangs, as across a network partition). Every failure becomes an {@link SshException}
 * whose message names the server and says what to do; nothing is left open after a failure.
 */
public final class Ssh {

  /** Environment variable holding the passphrase of an encrypted private key. */
  public static final String PASSPHRASE_ENV = "TAKO_SSH_PASSPHRASE";

  /** Set by {@code --verbose}: {@link #debug} lines go to stderr. */
  public static final String VERBOSE_PROPERTY = "tako.verbose";

  static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int KEEP_ALIVE_SECONDS = 30;
  private static final List<String> DEFAULT_KEYS = List.of("id_ed25519", "id_ecdsa", "id_rsa");

  static {
    jdkCryptoOnly();
  }

  private Ssh() {}

  /**
   * SSHJ uses the JDK's own providers, not BouncyCastle's: by default SSHJ registers BouncyCastle
   * as a JCE provider on its first use (to prefer it for every algorithm), which in a cold JVM
   * costs about a second: hundreds of provider classes from signed jars (never in the class data
   * sharing archive, each checked against the jar's signature). Java 17 has every algorithm an SSH
   * login needs (curve25519 and NIST ECDH, Ed25519, ECDSA and RSA keys, AES-CTR and AES-GCM,
   * HMAC-SHA2). BouncyCastle stays on the classpath for what it alone reads (encrypted PEM and
   * PuTTY keys), through its own classes. Runs when this class is first used, before any login.
   */
  public static void jdkCryptoOnly() {
    SecurityUtils.setRegisterBouncyCastle(false);
  }

  public static SshSession connect(SshTarget t, HostKeyPolicy policy) throws SshException {
    return connect(t, policy, AgentClient.fromEnvironment());
  }

  /** As {@link #connect(SshTarget, HostKeyPolicy)}, with this agent ({@code null}: none). */
  static SshSession connect(SshTarget t, HostKeyPolicy policy, AgentClient agent)
      throws SshException {
    KnownHostsVerifier verifier;
    try {
      verifier = new KnownHostsVerifier(t.knownHostsFiles(), policy, t.recordNewKeysTo());
    } catch (IOException e) {
      throw new SshException("error: " + e.getMessage() + "; fix or remove that file", e);
    }
    SSHClient client = new SSHClient(new DefaultConfig());
    client.setConnectTimeout(CONNECT_TIMEOUT_MS);
    client.addHostKeyVerifier(verifier);
    // SSHJ's own waits (server ident, key exchange) are longer than 5 s and do not all end when
    // the socket is closed, so the login runs on its own thread and the caller stops waiting at
    // the deadline; the client is closed then and the thread ends with it.
    CompletableFuture<SshSession> login = new CompletableFuture<>();
    Thread worker =
        new Thread(
            () -> {
              try {
                SshSession session = login(client, t, verifier, agent);
                if (!login.complete(session)) {
                  session.close(); // too late: the caller counts the server unreachable
                }
              } catch (SshException | RuntimeException e) {
                login.completeExceptionally(e);
              }
            },
            "ssh-connect-" + t.name());
    worker.setDaemon(true);
    worker.start();
    try {
      return login.get(CONNECT_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (!login.cancel(false) && !login.isCompletedExceptionally()) {
        login.join().close(); // finished just now: the caller counts it unreachable all the same
      }
      Thread closer = new Thread(() -> closeQuietly(client), "ssh-close-" + t.name());
      closer.setDaemon(true);
      closer.start();
      throw new SshException(
          "error: cannot reach "
              + t.name()
              + " ("
              + t.address()
              + "): no answer within "
              + CONNECT_TIMEOUT_MS / 1000
              + " s; check the address and port, and that no firewall drops SSH",
          e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof SshException se) {
        throw se;
      }
      throw (RuntimeException) e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(client);
      throw new SshException("error: interrupted while connecting to " + t.name(), e);
    }
  }

  private static SshSession login(
      SSHClient client, SshTarget t, KnownHostsVerifier verifier, AgentClient agent)
      throws SshException {
    boolean ok = false;
    try {
      try {
        client.connect(t.host(), t.port());
      } catch (TransportException e) {
        throw hostKeyOrHandshakeFailure(t, verifier, e);
      } catch (IOException e) {
        throw unreachable(t, e);
      }
      // keeps idle tunnels (log tails, long deploys) alive through NAT and firewalls
      client.getConnection().getKeepAlive().setKeepAliveInterval(KEEP_ALIVE_SECONDS);
      authenticate(client, t, agent);
      ok = true;
      return new SshSession(t, client);
    } finally {
      if (!ok) {
        closeQuietly(client);
      }
    }
  }

  private static SshException hostKeyOrHandshakeFailure(
      SshTarget t, KnownHostsVerifier v, TransportException e) {
    String addr = t.address();
    return switch (v.outcome()) {
      case UNKNOWN ->
          new SshException(
              "error: the host key of "
                  + addr
                  + " ("
                  + v.presentedFingerprint()
                  + ") is not known; check it and run again with --accept-new-host-key",
              e);
      case CHANGED ->
          new SshException(
              "error: the host key of "
                  + addr
                  + " has CHANGED: the server presented "
                  + v.presentedFingerprint()
                  + " but "
                  + v.changedIn()
                  + " expects "
                  + String.join(", ", v.knownFingerprints())
                  + ". Someone may be intercepting the connection, or the server was reinstalled. If you"
                  + " are sure the new key is right, remove the old entry from "
                  + v.changedIn()
                  + " (ssh-keygen -R) and run again with --accept-new-host-key",
              e);
      case NOT_RECORDED ->
          new SshException(
              "error: cannot record the host key of "
                  + addr
                  + " in "
                  + v.recordTo()
                  + ": "
                  + v.recordFailure().getMessage()
                  + "; make that file writable and run again",
              e);
      default ->
          new SshException(
              "error: cannot reach "
                  + t.name()
                  + " ("
                  + addr
                  + "): the SSH handshake failed ("
                  + e.getMessage()
                  + "); is an SSH server listening on that port?",
              e);
    };
  }

  private static SshException unreachable(SshTarget t, IOException e) {
    String why;
    if (e instanceof ConnectException && String.valueOf(e.getMessage()).contains("refused")) {
      why = "connection refused; is the server up and is sshd listening on that port?";
    } else if (e instanceof SocketTimeoutException) {
      why =
          "no answer within "
              + CONNECT_TIMEOUT_MS / 1000
              + " s; check the address and port, and that no firewall drops SSH";
    } else if (e instanceof UnknownHostException) {
      why = "unknown host name " + t.host() + "; check --host (or HostName in ~/.ssh/config)";
    } else if (e instanceof NoRouteToHostException) {
      why = "no route to host; check the address and your network";
    } else {
      why = e.getMessage() + "; check the address and port, and that the server is up";
    }
    return new SshException(
        "error: cannot reach " + t.name() + " (" + t.address() + "): " + why, e);
  }

  private static void authenticate(SSHClient client, SshTarget t, AgentClient agentClient)
      throws SshException {
    AgentKeys agent = AgentKeys.of(agentClient, t.identity());
    debug(agent.note() + (agent.keys().isEmpty() ? "; using key files only" : ""));
    List<AuthMethod> methods = new ArrayList<>(agent.methods());
    // the explicit identity is in the agent: its file may be encrypted or absent, and is not needed
    List<Path> keyFiles = agent.holdsIdentity() ? List.of() : keyFiles(t, agent);
    SshException firstLoadFailure = null;
    for (Path keyFile : keyFiles) {
      try {
        methods.add(new AuthPublickey(load(client, keyFile)));
      } catch (SshException e) {
        // with an explicit identity there is nothing else to try; default keys fall through
        if (t.identity() != null) {
          throw e;
        }
        if (firstLoadFailure == null) {
          firstLoadFailure = e;
        }
      }
    }
    if (methods.isEmpty()) {
      throw firstLoadFailure;
    }
    try {
      client.auth(t.user(), methods);
    } catch (UserAuthException e) {
      List<String> tried = new ArrayList<>(keyFiles.stream().map(Path::toString).toList());
      if (!agent.keys().isEmpty()) {
        tried.add(agent.keys().size() + " key(s) of the SSH agent");
      }
      throw new SshException(
          "error: "
              + t.name()
              + " ("
              + t.address()
              + ") did not accept the key "
              + String.join(", ", tried)
              + " for user "
              + t.user()
              + "; add its public key to ~"
              + t.user()
              + "/.ssh/authorized_keys on the server, or pass --identity with the right key"
              + (firstLoadFailure == null ? "" : " (also: " + firstLoadFailure.getMessage() + ")")
              + agentRefusal(e),
          e);
    } catch (TransportException e) {
      throw new SshException(
          "error: the connection to "
              + t.name()
              + " ("
              + t.address()
              + ") broke during login: "
              + e.getMessage()
              + "; run the command again",
          e);
    }
  }

  /** The agent's own complaint (a refused signature), if that is why the login failed. */
  private static String agentRefusal(UserAuthException e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c.getMessage() != null && c.getMessage().startsWith("the SSH agent")) {
        return " (" + c.getMessage() + ")";
      }
    }
    return "";
  }

  private static List<Path> keyFiles(SshTarget t, AgentKeys agent) throws SshException {
    if (t.identity() != null) {
      if (!Files.isReadable(t.identity())) {
        throw new SshException(
            "error: the SSH key "
                + t.identity()
                + " of server "
                + t.name()
                + " does not exist or is not readable; check --identity (or IdentityFile in"
                + " ~/.ssh/config)"
                + (agent.agent() == null ? "" : " (" + agent.note() + ")"));
      }
      return List.of(t.identity());
    }
    Path sshDir = Path.of(System.getProperty("user.home"), ".ssh");
    List<Path> found =
        DEFAULT_KEYS.stream().map(sshDir::resolve).filter(Files::isReadable).toList();
    if (found.isEmpty() && agent.keys().isEmpty()) {
      throw new SshException(
          "error: no SSH key to log in to "
              + t.name()
              + ": none of ~/.ssh/id_ed25519, id_ecdsa, id_rsa exists and "
              + agent.note()
              + "; create a key with ssh-keygen, load one into your agent with ssh-add, or pass"
              + " --identity KEY");
    }
    return found;
  }

  /** A diagnostic line on stderr with {@code --verbose} ({@value #VERBOSE_PROPERTY}). */
  static void debug(String message) {
    if (Boolean.getBoolean(VERBOSE_PROPERTY)) {
      System.err.println("debug: ssh: " + message);
    }
  }

  /** Loads a key eagerly, so a missing passphrase is reported as such, not as a refused login. */
  private static KeyProvider load(SSHClient client, Path keyFile) throws SshException {
    KeyProvider plain = plainPkcs8(keyFile);
    if (plain != null) {
      return plain;
    }
    String passphrase = System.getenv(PASSPHRASE_ENV);
    EnvPassphrase finder = new EnvPassphrase(passphrase);
    try {
      KeyProvider provider = client.loadKeys(keyFile.toString(), finder);
      provider.getPrivate();
      provider.getPublic();
      return provider;
    } catch (IOException | RuntimeException e) {
      if (finder.asked && passphrase == null) {
        throw new SshException(
            "error: the SSH key "
                + keyFile
                + " is encrypted; set "
                + PASSPHRASE_ENV
                + " to its passphrase, or load the key into your SSH agent with ssh-add",
            e);
      }
      if (finder.asked) {
        throw new SshException(
            "error: cannot decrypt the SSH key "
                + keyFile
                + " with the passphrase in "
                + PASSPHRASE_ENV
                + "; check that variable",
            e);
      }
      throw new SshException(
          "error: cannot read the SSH key "
              + keyFile
              + ": "
              + e.getMessage()
              + "; use an OpenSSH or PEM private key",
          e);
    }
  }

  /**
   * An unencrypted PKCS#8 RSA key (those of {@code tako servers add} and the playground) read with
   * the JDK alone: SSHJ's reader of that format parses it with BouncyCastle's PEM classes, from
   * signed jars a cold JVM must check first. Null for any other key: SSHJ reads it (and says what
   * is wrong with it).
   */
  private static KeyProvider plainPkcs8(Path keyFile) {
    try {
      if (Files.size(keyFile) > 64 * 1024
          || !Files.readString(keyFile, java.nio.charset.StandardCharsets.ISO_8859_1)
              .contains("-----BEGIN PRIVATE KEY-----")) {
        return null;
      }
      return new KeyPairWrapper(KeyFiles.readPkcs8(keyFile));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static void closeQuietly(SSHClient client) {
    try {
      client.close();
    } catch (IOException | RuntimeException e) {
      // already failing; the first error is the one worth reporting
    }
  }

  /** Answers SSHJ's passphrase request from the environment, and notes that it was asked. */
  private static final class EnvPassphrase implements PasswordFinder {
    private final String passphrase;
    private volatile boolean asked;

    EnvPassphrase(String passphrase) {
      this.passphrase = passphrase;
    }

    @Override
    public char[] reqPassword(Resource<?> resource) {
      asked = true;
      return passphrase == null ? null : passphrase.toCharArray();
    }

    @Override
    public boolean shouldRetry(Resource<?> resource) {
      return false;
    }
  }
}
