package dev.tako.node.footprint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class NodeFootprintTest {
  private static final String STATUS =
      """
      Name:\tjava
      Umask:\t0022
      State:\tS (sleeping)
      VmPeak:\t 3520480 kB
      VmRSS:\t  150236 kB
      RssAnon:\t  120000 kB
      Threads:\t41
      """;

  @Test
  void rssAndThreadsFromProcStatus() {
    assertEquals(OptionalLong.of(150236L * 1024), NodeFootprint.rssBytes(STATUS));
    assertEquals(OptionalLong.of(41), NodeFootprint.statusValue(STATUS, "Threads"));
    assertEquals(OptionalLong.empty(), NodeFootprint.statusValue(STATUS, "VmSwap"));
    // A name matches whole, never as the start of another.
    assertEquals(OptionalLong.empty(), NodeFootprint.statusValue(STATUS, "Vm"));
  }

  @Test
  void cpuFromProcStatCountsFieldsAfterTheName() {
    // utime 1234 and stime 566 ticks; the command name holds a space and a parenthesis.
    String stat =
        "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 50000 0 12 0 1234 566 0 0 20 0 41 0 "
            + "100 3520480000 37559 18446744073709551615";
    assertEquals(OptionalDouble.of(18.0), NodeFootprint.cpuSeconds(stat));
    assertEquals(OptionalDouble.empty(), NodeFootprint.cpuSeconds("4242 (java) S 1 2"));
    assertEquals(OptionalDouble.empty(), NodeFootprint.cpuSeconds("garbage"));
  }

  @Test
  void measuresThisProcess() {
    var f = NodeFootprint.measure();
    assertTrue(f.rssBytes() > 1024 * 1024, "rss " + f.rssBytes());
    assertTrue(f.heapUsedBytes() > 0, "heap " + f.heapUsedBytes());
    assertTrue(f.threads() >= 2, "threads " + f.threads());
    assertTrue(f.cpuSeconds() > 0, "cpu " + f.cpuSeconds());
  }
}
