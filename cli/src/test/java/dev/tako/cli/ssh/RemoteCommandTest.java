package dev.tako.cli.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import net.schmizz.sshj.connection.channel.direct.Signal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SshSession#run}: streams both outputs, feeds stdin, passes the exit status through. */
class RemoteCommandTest {
  @TempDir Path dir;

  @Test
  void streamsOutputFeedsStdinAndReturnsTheExitStatus() throws Exception {
    try (TestSshServer server = TestSshServer.start(dir);
        SshSession s =
            Ssh.connect(
                server.target(dir.resolve("known_hosts")), HostKeyPolicy.ACCEPT_NEW, null)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      int code =
          s.run(
              "read line; echo \"got $line\"; echo oops >&2; exit 3",
              null,
              new ByteArrayInputStream("hello\n".getBytes(StandardCharsets.UTF_8)),
              out,
              err);
      assertEquals(3, code);
      assertEquals("got hello\n", out.toString(StandardCharsets.UTF_8));
      assertEquals("oops\n", err.toString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aSignalIs128PlusItsNumberAndNothingIs255() {
    assertEquals(0, RemoteCommand.exitCode(0, null));
    assertEquals(130, RemoteCommand.exitCode(null, Signal.INT));
    assertEquals(137, RemoteCommand.exitCode(null, Signal.KILL));
    assertEquals(255, RemoteCommand.exitCode(null, null));
  }
}
