package dev.tako.cli.ssh;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import net.schmizz.sshj.common.Buffer;

/**
 * A client of an SSH agent (OpenSSH's {@code ssh-agent}, 1Password, a hardware-key agent) over its
 * Unix domain socket, speaking the two requests the CLI needs from the agent protocol
 * (draft-miller-ssh-agent): list the identities, and sign data with one of them. SSHJ has no agent
 * support and the only Java library that adds it (jsch-agent-proxy) is unmaintained and needs JNA,
 * while the JDK has had Unix domain sockets since Java 16; so the protocol is owned here.
 *
 * <p>Every request opens its own connection and closes it, so the client holds no state and no file
 * descriptor between uses. Failures are {@link IOException}s: the agent is unreachable, it answered
 * {@code SSH_AGENT_FAILURE} (a refused signature, for example a declined touch on a hardware key),
 * or its answer is malformed.
 */
public final class AgentClient {

  /** The environment variable OpenSSH uses for the agent's socket. */
  public static final String SOCKET_ENV = "SSH_AUTH_SOCK";

  static final byte SSH_AGENT_FAILURE = 5;
  static final byte SSH_AGENTC_REQUEST_IDENTITIES = 11;
  static final byte SSH_AGENT_IDENTITIES_ANSWER = 12;
  static final byte SSH_AGENTC_SIGN_REQUEST = 13;
  static final byte SSH_AGENT_SIGN_RESPONSE = 14;

  /** Sign-request flags asking an RSA key for a SHA-2 signature instead of SHA-1 (RFC 8332). */
  static final int SSH_AGENT_RSA_SHA2_256 = 2;

  static final int SSH_AGENT_RSA_SHA2_512 = 4;

  // agents answer in a few KiB; a larger length means a confused peer, not a big key list
  private static final int MAX_MESSAGE = 256 * 1024;

  private final Path socket;

  public AgentClient(Path socket) {
    this.socket = Objects.requireNonNull(socket, "socket");
  }

  /** The agent named by {@code SSH_AUTH_SOCK}, or {@code null} when the variable is unset. */
  public static AgentClient fromEnvironment() {
    String path = System.getenv(SOCKET_ENV);
    return path == null || path.isBlank() ? null : new AgentClient(Path.of(path));
  }

  public Path socket() {
    return socket;
  }

  /**
   * One key the agent holds.
   *
   * @param blob the public key in the SSH wire encoding
   * @param comment what the agent calls it (often the key file or an e-mail address)
   */
  public record Identity(byte[] blob, String comment) {

    /** The key type named inside the blob, such as {@code ssh-ed25519} or {@code ssh-rsa}. */
    public String keyType() {
      try {
        return new Buffer.PlainBuffer(blob).readString();
      } catch (Buffer.BufferException e) {
        return "unknown";
      }
    }

    /** {@code SHA256:…}, as {@code ssh-add -l} shows it. */
    public String fingerprint() {
      return KeyFiles.sha256Fingerprint(blob);
    }
  }

  /** The keys the agent offers, in its order. */
  public List<Identity> identities() throws IOException {
    Buffer.PlainBuffer answer = exchange(new Buffer.PlainBuffer(), SSH_AGENTC_REQUEST_IDENTITIES);
    byte type = answer.readByte();
    if (type != SSH_AGENT_IDENTITIES_ANSWER) {
      throw new IOException(
          "the SSH agent at " + socket + " refused to list its keys (answer " + type + ")");
    }
    try {
      long count = answer.readUInt32();
      List<Identity> keys = new ArrayList<>();
      for (long i = 0; i < count; i++) {
        byte[] blob = answer.readBytes();
        String comment = new String(answer.readBytes(), StandardCharsets.UTF_8);
        keys.add(new Identity(blob, comment));
      }
      return keys;
    } catch (Buffer.BufferException e) {
      throw new IOException("the SSH agent at " + socket + " sent a malformed key list", e);
    }
  }

  /**
   * Has the agent sign {@code data} with the key {@code blob}.
   *
   * @param flags {@link #SSH_AGENT_RSA_SHA2_256}, {@link #SSH_AGENT_RSA_SHA2_512} or 0
   * @return the signature in the SSH encoding: {@code string algorithm, string signature}
   */
  public byte[] sign(byte[] blob, byte[] data, int flags) throws IOException {
    Buffer.PlainBuffer request = new Buffer.PlainBuffer();
    request.putBytes(blob).putBytes(data).putUInt32(flags);
    Buffer.PlainBuffer answer = exchange(request, SSH_AGENTC_SIGN_REQUEST);
    byte type = answer.readByte();
    if (type != SSH_AGENT_SIGN_RESPONSE) {
      throw new IOException(
          "the SSH agent at "
              + socket
              + " refused to sign with the key "
              + KeyFiles.sha256Fingerprint(blob)
              + (type == SSH_AGENT_FAILURE ? "" : " (answer " + type + ")")
              + "; is it locked, or was a confirmation declined?");
    }
    try {
      return answer.readBytes();
    } catch (Buffer.BufferException e) {
      throw new IOException("the SSH agent at " + socket + " sent a malformed signature", e);
    }
  }

  /** Sends one message (its type byte, then {@code body}) and reads the one answer. */
  private Buffer.PlainBuffer exchange(Buffer.PlainBuffer body, byte type) throws IOException {
    byte[] payload = body.getCompactData();
    ByteBuffer out = ByteBuffer.allocate(5 + payload.length);
    out.putInt(1 + payload.length).put(type).put(payload).flip();
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      while (out.hasRemaining()) {
        ch.write(out);
      }
      ByteBuffer len = readFully(ch, 4);
      int n = len.getInt();
      if (n < 1 || n > MAX_MESSAGE) {
        throw new IOException(
            "the SSH agent at " + socket + " sent a message of " + n + " bytes; is it an agent?");
      }
      ByteBuffer msg = readFully(ch, n);
      return new Buffer.PlainBuffer(msg.array());
    } catch (UnsupportedOperationException e) {
      throw new IOException("this JVM has no Unix domain sockets", e);
    }
  }

  private ByteBuffer readFully(SocketChannel ch, int n) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (ch.read(buf) < 0) {
        throw new EOFException("the SSH agent at " + socket + " closed the connection mid-answer");
      }
    }
    buf.flip();
    return buf;
  }
}
