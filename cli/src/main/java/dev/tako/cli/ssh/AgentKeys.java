package dev.tako.cli.ssh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.userauth.method.AuthMethod;

/**
 * The keys an SSH agent offers for one login, decided before the connection authenticates: every
 * key of the agent, or, when the server has an explicit identity whose {@code .pub} file names a
 * key the agent holds, that key alone (the user chose it, and the key file need not be readable or
 * decrypted then). An agent that is unset, unreachable or empty offers nothing; {@link #note()}
 * says which, for the verbose log and for the error when no key at all is left.
 *
 * @param agent the agent, or {@code null} when {@code SSH_AUTH_SOCK} is unset
 * @param keys the keys to offer, in order
 * @param holdsIdentity whether {@code keys} is the explicit identity's key
 * @param note what happened with the agent, in words
 */
record AgentKeys(
    AgentClient agent, List<AgentClient.Identity> keys, boolean holdsIdentity, String note) {

  static AgentKeys of(AgentClient agent, Path identity) {
    if (agent == null) {
      return new AgentKeys(null, List.of(), false, AgentClient.SOCKET_ENV + " is not set");
    }
    List<AgentClient.Identity> all;
    try {
      all = agent.identities();
    } catch (IOException e) {
      return new AgentKeys(
          agent,
          List.of(),
          false,
          AgentClient.SOCKET_ENV
              + " is set but the SSH agent at "
              + agent.socket()
              + " is unreachable ("
              + e.getMessage()
              + ")");
    }
    if (all.isEmpty()) {
      return new AgentKeys(
          agent, List.of(), false, "the SSH agent at " + agent.socket() + " holds no keys");
    }
    byte[] wanted = identity == null ? null : publicBlob(Path.of(identity + ".pub"));
    if (wanted != null) {
      for (AgentClient.Identity key : all) {
        if (Arrays.equals(key.blob(), wanted)) {
          return new AgentKeys(
              agent,
              List.of(key),
              true,
              "the SSH agent at "
                  + agent.socket()
                  + " holds "
                  + identity
                  + " ("
                  + key.fingerprint()
                  + ")");
        }
      }
    }
    return new AgentKeys(
        agent,
        List.copyOf(all),
        false,
        "the SSH agent at " + agent.socket() + " offers " + all.size() + " key(s)");
  }

  /** One publickey method per key, to be tried before the key files. */
  List<AuthMethod> methods() {
    return keys.stream().map(k -> (AuthMethod) new AgentAuth(agent, k)).toList();
  }

  /** The wire encoding of the key in an OpenSSH {@code .pub} file, or null if there is none. */
  static byte[] publicBlob(Path pub) {
    try {
      String[] fields = Files.readString(pub, StandardCharsets.UTF_8).trim().split("\\s+");
      return fields.length < 2 ? null : Base64.getDecoder().decode(fields[1]);
    } catch (IOException | IllegalArgumentException e) {
      return null; // no usable .pub: the agent's keys are all offered
    }
  }
}
