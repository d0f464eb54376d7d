package dev.tako.node.failover;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.tako.node.peer.PeerTesting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterTlsTest {
  @TempDir Path tmp;

  @Test
  void makesTheContextAgainOnlyWhenAFileChanged() throws Exception {
    var ca = PeerTesting.ca(tmp.resolve("ca"));
    Path tls = tmp.resolve("tls");
    ClusterTls clusterTls = new ClusterTls(tls);

    clusterTls.refresh(); // no files yet: no context, no failure
    assertNull(clusterTls.get());

    PeerTesting.issue(ca, tls);
    clusterTls.refresh();
    var first = clusterTls.get();
    assertNotNull(first);

    clusterTls.refresh(); // unchanged files: the same context, not read again
    assertSame(first, clusterTls.get());

    // rotate-certs writes new files: the next refresh reads them
    PeerTesting.issue(ca, tls);
    Files.setLastModifiedTime(tls.resolve("node.crt"), FileTime.from(Instant.now().plusSeconds(5)));
    clusterTls.refresh();
    var rotated = clusterTls.get();
    assertNotNull(rotated);
    assertNotSame(first, rotated);
  }

  @Test
  void keepsTheLastGoodContextWhenTheFilesBreak() throws Exception {
    var ca = PeerTesting.ca(tmp.resolve("ca"));
    Path tls = tmp.resolve("tls");
    PeerTesting.issue(ca, tls);
    ClusterTls clusterTls = new ClusterTls(tls);
    clusterTls.refresh();
    var good = clusterTls.get();
    assertNotNull(good);

    Files.writeString(tls.resolve("node.key"), "not a key");
    clusterTls.refresh();
    assertSame(good, clusterTls.get());

    clusterTls.refresh(); // still broken: tried again, still the last good one
    assertSame(good, clusterTls.get());
  }
}
