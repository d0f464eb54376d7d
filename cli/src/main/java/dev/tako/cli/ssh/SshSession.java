package dev.tako.cli.ssh;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.stream.Stream;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.connection.channel.direct.LocalPortForwarder;
import net.schmizz.sshj.connection.channel.direct.Parameters;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.sftp.FileAttributes;
import net.schmizz.sshj.sftp.OpenMode;
import net.schmizz.sshj.sftp.RemoteFile;
import net.schmizz.sshj.sftp.RenameFlags;
import net.schmizz.sshj.sftp.Response;
import net.schmizz.sshj.sftp.SFTPClient;
import net.schmizz.sshj.sftp.SFTPException;

/**
 * One authenticated SSH connection to a server and what the CLI does over it: local port forwards
 * to the node's loopback API, SFTP file work (read, write with a mode, atomic uploads, whole trees)
 * and remote commands. Closing it closes every forward and the connection. Every failure is an
 * {@link SshException} naming the server and the remote path or command.
 */
public final class SshSession implements AutoCloseable {

  // SSHJ keeps this many SFTP write requests in flight; more hides the round trip on slow links
  private static final int UNCONFIRMED_WRITES = 64;
  private static final int READ_AHEAD_REQUESTS = 64;
  private static final int LOCAL_BUFFER = 1 << 20;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SshTarget target;
  private final SSHClient client;
  private final List<Closeable> forwards = new CopyOnWriteArrayList<>();
  private SFTPClient sftp;

  SshSession(SshTarget target, SSHClient client) {
    this.target = target;
    this.client = client;
  }

  public SshTarget target() {
    return target;
  }

  /**
   * Listens on {@code 127.0.0.1} at a free port and forwards every connection to {@code
   * remoteHost:remotePort} as seen from the server. The forward lives until this session closes.
   *
   * @return the local port
   */
  public int forwardLocalPort(String remoteHost, int remotePort) throws SshException {
    ServerSocket listener = null;
    try {
      listener = new ServerSocket();
      listener.setReuseAddress(true);
      listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int localPort = listener.getLocalPort();
      Parameters params = new Parameters("127.0.0.1", localPort, remoteHost, remotePort);
      LocalPortForwarder forwarder = client.newLocalPortForwarder(params, listener);
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  forwarder.listen();
                } catch (IOException e) {
                  // the listener was closed with the session: that is how a forward ends
                }
              },
              "tako-ssh-forward-" + localPort + "-" + target.name());
      acceptor.setDaemon(true);
      acceptor.start();
      ServerSocket toClose = listener;
      forwards.add(
          () -> {
            try {
              forwarder.close();
            } finally {
              toClose.close();
            }
          });
      return localPort;
    } catch (IOException e) {
      if (listener != null) {
        try {
          listener.close();
        } catch (IOException ignored) {
          // reporting the first failure
        }
      }
      throw new SshException(
          "error: cannot open a local port to forward to "
              + remoteHost
              + ":"
              + remotePort
              + " on "
              + target.name()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Whether the server still answers on this connection: one global request ({@code
   * keepalive@openssh.com}) and its reply, success or failure alike, within {@code limit}. A
   * connection that is closed, or that a network partition left hanging, is not alive.
   */
  public boolean alive(Duration limit) {
    if (!client.isConnected() || !client.isAuthenticated()) {
      return false;
    }
    try {
      // null: no answer within the limit (the connection is then closed by the caller)
      return client
              .getConnection()
              .sendGlobalRequest("keepalive@openssh.com", true, new byte[0])
              .tryRetrieve(limit.toMillis(), TimeUnit.MILLISECONDS)
          != null;
    } catch (net.schmizz.sshj.connection.ConnectionException e) {
      return client.isConnected(); // the server refused the request: it answered
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The whole remote file. */
  public byte[] readFile(String path) throws SshException {
    try (RemoteFile file = sftp().open(path, EnumSet.of(OpenMode.READ));
        InputStream in = file.new ReadAheadRemoteFileInputStream(READ_AHEAD_REQUESTS)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw sftpFailure("read", path, e);
    }
  }

  /** Creates or replaces the remote file with {@code data}; its permissions are {@code mode}. */
  public void writeFile(String path, byte[] data, int mode) throws SshException {
    try {
      SFTPClient s = sftp();
      FileAttributes attrs = new FileAttributes.Builder().withPermissions(mode).build();
      try (RemoteFile file =
          s.open(path, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.TRUNC), attrs)) {
        // restrict first: a secret must never sit in a file with wider permissions
        s.chmod(path, mode);
        try (OutputStream out = file.new RemoteFileOutputStream(0, UNCONFIRMED_WRITES)) {
          writeChunked(out, data, data.length, maxWrite(s, file));
        }
      }
    } catch (IOException e) {
      throw sftpFailure("write", path, e);
    }
  }

  /**
   * Replaces a remote file in one step (written under a temporary name, then renamed over it), so a
   * reader never sees it half written: for files a running node re-reads, like its certificate.
   */
  public void replaceFile(String path, byte[] data, int mode) throws SshException {
    Path local = null;
    try {
      local = Files.createTempFile("tako-replace", ".tmp");
      Files.write(local, data);
      putReplacing(local, path, mode);
    } catch (IOException e) {
      throw new SshException("error: cannot stage " + path + " locally: " + e.getMessage(), e);
    } finally {
      if (local != null) {
        try {
          Files.deleteIfExists(local);
        } catch (IOException ignored) {
          // a temp file left behind is harmless
        }
      }
    }
  }

  /** Whether anything (file, directory, link) exists at the remote path. */
  public boolean exists(String path) throws SshException {
    try {
      return sftp().statExistence(path) != null;
    } catch (IOException e) {
      throw sftpFailure("inspect", path, e);
    }
  }

  /** Creates the remote directory and its missing parents; an existing one is fine. */
  public void mkdirs(String path) throws SshException {
    try {
      sftp().mkdirs(path);
    } catch (IOException e) {
      throw sftpFailure("create the directory", path, e);
    }
  }

  /**
   * Uploads a local file under a temporary name ({@code remoteFinalPath.part-<random>}) and renames
   * it to {@code remoteFinalPath} when complete, so the final name only ever holds a whole file. If
   * the final file already exists (for an artifact named by its checksum: the same content), the
   * upload is discarded and the existing file kept. A failed upload removes its temporary file.
   *
   * @param bytesSoFar told the number of bytes sent so far, after every chunk
   * @return {@code true} if this upload became the final file, {@code false} if one was already
   *     there
   */
  public boolean upload(Path local, String remoteFinalPath, LongConsumer bytesSoFar)
      throws SshException {
    String part = remoteFinalPath + ".part-" + HexFormat.of().formatHex(randomBytes(6));
    boolean done = false;
    try {
      SFTPClient s = sftp();
      try (RemoteFile file =
              s.open(part, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.EXCL));
          OutputStream out = file.new RemoteFileOutputStream(0, UNCONFIRMED_WRITES);
          InputStream in = Files.newInputStream(local)) {
        copy(maxWrite(s, file), in, out, bytesSoFar);
      }
      if (s.statExistence(remoteFinalPath) != null) {
        s.rm(part);
        done = true;
        return false;
      }
      try {
        s.rename(part, remoteFinalPath);
      } catch (SFTPException e) {
        // another upload of the same artifact may have won the race: keep its file
        if (s.statExistence(remoteFinalPath) == null) {
          throw e;
        }
        s.rm(part);
        done = true;
        return false;
      }
      done = true;
      return true;
    } catch (IOException e) {
      throw new SshException(
          "error: uploading "
              + local
              + " to "
              + target.name()
              + ":"
              + remoteFinalPath
              + " failed: "
              + describe(e)
              + "; run the command again",
          e);
    } finally {
      if (!done) {
        removeQuietly(part);
      }
    }
  }

  /**
   * Copies a local directory tree into {@code remoteDir} (created if missing), keeping file modes
   * (so scripts stay executable). Each file is written under a temporary name and then moved over
   * the old one, so a program running from the old files keeps working until it restarts.
   */
  public void uploadTree(Path localDir, String remoteDir) throws SshException {
    List<Path> entries;
    try (Stream<Path> walk = Files.walk(localDir)) {
      entries = new ArrayList<>(walk.sorted().toList());
    } catch (IOException e) {
      throw new SshException("error: cannot read " + localDir + ": " + e.getMessage(), e);
    }
    String base =
        remoteDir.endsWith("/") ? remoteDir.substring(0, remoteDir.length() - 1) : remoteDir;
    mkdirs(base.isEmpty() ? "/" : base);
    for (Path p : entries) {
      String rel = localDir.relativize(p).toString().replace('\\', '/');
      if (rel.isEmpty()) {
        continue;
      }
      String remote = base + "/" + rel;
      if (Files.isDirectory(p)) {
        mkdirs(remote);
      } else if (Files.isRegularFile(p)) {
        putReplacing(p, remote, modeOf(p));
      }
    }
  }

  /** Runs a command on the server and waits for it, at most {@code timeout}. */
  public ExecResult exec(String command, Duration timeout) throws SshException {
    try (Session session = client.startSession()) {
      Session.Command cmd = session.exec(command);
      // drain both streams concurrently so a chatty command never blocks on a full window
      CompletableFuture<String> out = drain(cmd.getInputStream(), "stdout");
      CompletableFuture<String> err = drain(cmd.getErrorStream(), "stderr");
      cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (cmd.isOpen() && cmd.getExitStatus() == null) {
        cmd.close();
        throw new SshException(
            "error: `"
                + command
                + "` on "
                + target.name()
                + " did not finish within "
                + timeout.toSeconds()
                + " s; check the server and run again");
      }
      Integer status = cmd.getExitStatus();
      return new ExecResult(
          status == null ? -1 : status, out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    } catch (IOException | ExecutionException | TimeoutException e) {
      throw cannotRun(command, e);
    } catch (InterruptedException e) {
      throw interrupted(command, e);
    }
  }

  /**
   * Runs a command with its output streamed to {@code out} and {@code err} and {@code in} sent to
   * it; with a {@link Terminal} it gets a PTY (an interactive console). Returns its exit status
   * (128 + n when killed by signal n, 255 when the server reported neither).
   */
  public int run(String command, Terminal pty, InputStream in, OutputStream out, OutputStream err)
      throws SshException {
    try {
      return RemoteCommand.run(client, command, pty, in, out, err);
    } catch (IOException e) {
      throw cannotRun(command, e);
    } catch (InterruptedException e) {
      throw interrupted(command, e);
    }
  }

  private SshException cannotRun(String command, Exception e) {
    return new SshException(
        "error: cannot run `" + command + "` on " + target.name() + ": " + describe(e), e);
  }

  private SshException interrupted(String command, InterruptedException e) {
    Thread.currentThread().interrupt();
    return new SshException(
        "error: interrupted while running `" + command + "` on " + target.name(), e);
  }

  @Override
  public void close() {
    for (Closeable forward : forwards) {
      try {
        forward.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
    forwards.clear();
    synchronized (this) {
      if (sftp != null) {
        try {
          sftp.close();
        } catch (IOException ignored) {
          // the connection goes next
        }
        sftp = null;
      }
    }
    try {
      client.close();
    } catch (IOException ignored) {
      // nothing useful left to do with a connection that fails to close
    }
  }

  private synchronized SFTPClient sftp() throws IOException {
    if (sftp == null) {
      sftp = client.newSFTPClient();
    }
    return sftp;
  }

  private void putReplacing(Path local, String remote, int mode) throws SshException {
    String part = remote + ".part-" + HexFormat.of().formatHex(randomBytes(6));
    boolean done = false;
    try {
      SFTPClient s = sftp();
      FileAttributes attrs = new FileAttributes.Builder().withPermissions(mode).build();
      try (RemoteFile file =
              s.open(part, EnumSet.of(OpenMode.WRITE, OpenMode.CREAT, OpenMode.EXCL), attrs);
          OutputStream out = file.new RemoteFileOutputStream(0, UNCONFIRMED_WRITES);
          InputStream in = Files.newInputStream(local)) {
        copy(maxWrite(s, file), in, out, n -> {});
      }
      s.chmod(part, mode); // the server's umask may have narrowed the mode given at open
      if (s.getSFTPEngine().supportsServerExtension("posix-rename", "openssh.com")) {
        s.rename(part, remote, EnumSet.of(RenameFlags.OVERWRITE));
      } else {
        if (s.statExistence(remote) != null) {
          s.rm(remote);
        }
        s.rename(part, remote);
      }
      done = true;
    } catch (IOException e) {
      throw new SshException(
          "error: uploading "
              + local
              + " to "
              + target.name()
              + ":"
              + remote
              + " failed: "
              + describe(e)
              + "; run the command again",
          e);
    } finally {
      if (!done) {
        removeQuietly(part);
      }
    }
  }

  /** Copies in chunks no larger than one SFTP write request may carry. */
  private static void copy(int chunk, InputStream in, OutputStream out, LongConsumer progress)
      throws IOException {
    byte[] buffer = new byte[LOCAL_BUFFER];
    long total = 0;
    int n;
    while ((n = in.readNBytes(buffer, 0, buffer.length)) > 0) {
      writeChunked(out, buffer, n, chunk);
      total += n;
      progress.accept(total);
    }
  }

  private static void writeChunked(OutputStream out, byte[] data, int length, int chunk)
      throws IOException {
    for (int off = 0; off < length; off += chunk) {
      out.write(data, off, Math.min(chunk, length - off));
    }
  }

  private static int maxWrite(SFTPClient s, RemoteFile file) {
    // SSHJ sends each write() as one request; the server rejects requests above its packet size
    int packet = s.getSFTPEngine().getSubsystem().getRemoteMaxPacketSize();
    return Math.max(4096, Math.min(packet - file.getOutgoingPacketOverhead(), 256 * 1024));
  }

  private void removeQuietly(String path) {
    try {
      sftp().rm(path);
    } catch (IOException | RuntimeException ignored) {
      // best effort: a leftover *.part-* file is harmless and recognisable
    }
  }

  private static CompletableFuture<String> drain(InputStream in, String name) {
    CompletableFuture<String> result = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (in) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                in.transferTo(buf);
                result.complete(buf.toString(StandardCharsets.UTF_8));
              } catch (IOException | RuntimeException e) {
                result.completeExceptionally(e);
              }
            },
            "tako-ssh-exec-" + name);
    t.setDaemon(true);
    t.start();
    return result;
  }

  private static int modeOf(Path p) {
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
      int mode = 0;
      for (PosixFilePermission perm : perms) {
        mode |= 1 << (8 - perm.ordinal());
      }
      return mode;
    } catch (IOException | UnsupportedOperationException e) {
      return Files.isExecutable(p) ? 0755 : 0644;
    }
  }

  private SshException sftpFailure(String action, String path, IOException e) {
    String hint =
        e instanceof SFTPException s && s.getStatusCode() == Response.StatusCode.NO_SUCH_FILE
            ? "it does not exist"
            : e instanceof SFTPException s2
                    && s2.getStatusCode() == Response.StatusCode.PERMISSION_DENIED
                ? "permission denied; check the remote user's rights"
                : describe(e);
    return new SshException(
        "error: cannot " + action + " " + target.name() + ":" + path + ": " + hint, e);
  }

  private static String describe(Throwable e) {
    Throwable t = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }
}
