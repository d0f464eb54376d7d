package dev.tako.protocol.ports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.protocol.ports.InstancePorts.PortRange;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstancePortsTest {

  @TempDir Path dir;

  @Test
  void autoEndsBelowTheKernelsEphemeralRange() throws IOException {
    Path file = dir.resolve("ip_local_port_range");
    Files.writeString(file, "32768\t60999\n");
    assertEquals(new PortRange(10_000, 32_767), PortRange.auto(file));
  }

  @Test
  void autoReadsTheKernelsOwnFile() throws IOException {
    Path proc = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(proc), "Linux only");
    int ephemeralLow;
    try (java.io.BufferedReader r = Files.newBufferedReader(proc)) {
      ephemeralLow = Integer.parseInt(r.readLine().trim().split("\\s+")[0]);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(ephemeralLow > 11_000, "room below it");
    assertEquals(new PortRange(10_000, ephemeralLow - 1), PortRange.parse("auto"));
  }

  @Test
  void autoFallsBackToTheKernelWhenTheEphemeralRangeStartsLowOrIsUnknown() throws IOException {
    Path file = dir.resolve("ip_local_port_range");
    Files.writeString(file, "10500 65000\n");
    assertEquals(PortRange.KERNEL, PortRange.auto(file));
    assertEquals(PortRange.KERNEL, PortRange.auto(dir.resolve("missing")));
  }

  @Test
  void rangesParseAndBadOnesSayWhatIsExpected() {
    assertEquals(new PortRange(20_000, 20_999), PortRange.parse(" 20000-20999 "));
    assertEquals(PortRange.KERNEL, PortRange.parse("kernel"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> PortRange.parse("lots"));
    assertTrue(e.getMessage().contains("10000-32767"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> PortRange.parse("3000-2000"));
    assertThrows(IllegalArgumentException.class, () -> PortRange.parse("80-90"));
  }

  @Test
  void portsComeFromTheRangeAndAreNotHandedOutTwice() throws IOException {
    PortRange range = new PortRange(10_000, 32_767);
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int port = InstancePorts.next(range);
      assertTrue(port >= 10_000 && port <= 32_767, "port " + port);
      assertTrue(seen.add(port), "handed out twice: " + port);
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"))) {
        assertEquals(port, s.getLocalPort());
      }
    }
  }

  @Test
  void aBoundPortIsSkippedAndAnExhaustedRangeFallsBackToTheKernel() throws IOException {
    int low = freePair();
    try (ServerSocket taken = new ServerSocket(low, 1, InetAddress.getByName("127.0.0.1"))) {
      PortRange range = new PortRange(low, low + 1);
      assertEquals(low + 1, InstancePorts.next(range));
      int fallback = InstancePorts.next(range);
      assertNotEquals(low, fallback);
      assertNotEquals(low + 1, fallback);
      assertTrue(fallback > 0);
    }
  }

  /** A port P in 10000-32767 with P and P+1 free and never handed out by this JVM. */
  private static int freePair() throws IOException {
    for (int i = 0; i < 500; i++) {
      int p = ThreadLocalRandom.current().nextInt(12_000, 32_000);
      try (ServerSocket a = new ServerSocket(p, 1, InetAddress.getByName("127.0.0.1"));
          ServerSocket b = new ServerSocket(p + 1, 1, InetAddress.getByName("127.0.0.1"))) {
        return p;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IOException("no two adjacent free ports");
  }
}
