package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.util.List;
import net.schmizz.sshj.common.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AgentClient} against a real {@code ssh-agent}: listing keys and signing with them. */
class AgentClientTest {
  @TempDir Path dir;
  private TestAgent agent;

  @BeforeEach
  void start() throws Exception {
    agent = TestAgent.start(dir);
  }

  @AfterEach
  void stop() throws Exception {
    agent.close();
  }

  @Test
  void anEmptyAgentListsNoKeys() throws Exception {
    assertEquals(List.of(), agent.client().identities());
  }

  @Test
  void listsTheAddedKeysWithTheirPublicBlobsAndComments() throws Exception {
    Path ed = TestAgent.keygen(dir.resolve("ed"), "ed25519");
    Path rsa = TestAgent.keygen(dir.resolve("rsa"), "rsa");
    agent.add(ed);
    agent.add(rsa);
    List<AgentClient.Identity> keys = agent.client().identities();
    assertEquals(2, keys.size());
    assertArrayEquals(AgentKeys.publicBlob(Path.of(ed + ".pub")), keys.get(0).blob());
    assertEquals("ssh-ed25519", keys.get(0).keyType());
    assertEquals("test-ed25519", keys.get(0).comment());
    assertArrayEquals(AgentKeys.publicBlob(Path.of(rsa + ".pub")), keys.get(1).blob());
    assertEquals("ssh-rsa", keys.get(1).keyType());
  }

  @Test
  void signsWithEd25519AndTheSignatureVerifies() throws Exception {
    agent.add(TestAgent.keygen(dir.resolve("ed"), "ed25519"));
    AgentClient.Identity key = agent.client().identities().get(0);
    byte[] data = "session id and request".getBytes(StandardCharsets.UTF_8);
    Buffer.PlainBuffer sig = new Buffer.PlainBuffer(agent.client().sign(key.blob(), data, 0));
    assertEquals("ssh-ed25519", sig.readString());
    assertTrue(verify("Ed25519", key, data, sig.readBytes()));
  }

  @Test
  void signsWithRsaSha2AsTheFlagsAsk() throws Exception {
    agent.add(TestAgent.keygen(dir.resolve("rsa"), "rsa"));
    AgentClient.Identity key = agent.client().identities().get(0);
    byte[] data = "to be signed".getBytes(StandardCharsets.UTF_8);
    Buffer.PlainBuffer sha256 =
        new Buffer.PlainBuffer(
            agent.client().sign(key.blob(), data, AgentClient.SSH_AGENT_RSA_SHA2_256));
    assertEquals("rsa-sha2-256", sha256.readString());
    assertTrue(verify("SHA256withRSA", key, data, sha256.readBytes()));
    Buffer.PlainBuffer sha512 =
        new Buffer.PlainBuffer(
            agent.client().sign(key.blob(), data, AgentClient.SSH_AGENT_RSA_SHA2_512));
    assertEquals("rsa-sha2-512", sha512.readString());
    assertTrue(verify("SHA512withRSA", key, data, sha512.readBytes()));
  }

  @Test
  void aKeyTheAgentDoesNotHoldIsRefused() throws Exception {
    Path other = TestAgent.keygen(dir.resolve("other"), "ed25519");
    byte[] blob = AgentKeys.publicBlob(Path.of(other + ".pub"));
    IOException e =
        assertThrows(IOException.class, () -> agent.client().sign(blob, new byte[] {1}, 0));
    assertTrue(e.getMessage().contains("refused to sign"), e.getMessage());
  }

  @Test
  void anUnreachableAgentIsAnIoExceptionNamingTheSocket() {
    AgentClient gone = new AgentClient(dir.resolve("no-such.sock"));
    IOException e = assertThrows(IOException.class, gone::identities);
    AgentKeys keys = AgentKeys.of(gone, null);
    assertEquals(List.of(), keys.keys());
    assertTrue(keys.note().contains("unreachable"), keys.note());
    assertTrue(keys.note().contains("no-such.sock"), keys.note());
    assertTrue(e != null);
  }

  private static boolean verify(String alg, AgentClient.Identity key, byte[] data, byte[] sig)
      throws Exception {
    PublicKey pub = new Buffer.PlainBuffer(key.blob()).readPublicKey();
    Signature s =
        Signature.getInstance(alg, new org.bouncycastle.jce.provider.BouncyCastleProvider());
    s.initVerify(pub);
    s.update(data);
    return s.verify(sig);
  }
}
