package dev.tako.node.footprint;

import dev.tako.protocol.api.StatusView;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Measures this node process: resident set size and thread count from {@code /proc/self/status}
 * ({@code VmRSS}, {@code Threads}: every thread of the process, the JVM's GC and compiler threads
 * too), CPU time (user + system) from {@code /proc/self/stat}, heap in use from the JVM. Where
 * {@code /proc} is missing (not Linux) the JVM's own figures stand in: RSS unknown (-1), live Java
 * threads, the process CPU time of the operating system bean. Cheap (two small file reads); called
 * per scrape and per status answer, never on a timer.
 */
public final class NodeFootprint {
  /** Clock ticks per second of {@code /proc/self/stat}'s times ({@code USER_HZ}: 100 on Linux). */
  static final int TICKS_PER_SECOND = 100;

  private static final Path STATUS = Path.of("/proc/self/status");
  private static final Path STAT = Path.of("/proc/self/stat");

  private NodeFootprint() {}

  /** This process's figures now. */
  public static StatusView.NodeFigures measure() {
    String status = read(STATUS);
    String stat = read(STAT);
    long rss = status == null ? -1 : rssBytes(status).orElse(-1);
    int threads =
        (int)
            (status == null ? OptionalLong.empty() : statusValue(status, "Threads"))
                .orElse(ManagementFactory.getThreadMXBean().getThreadCount());
    double cpu =
        (stat == null ? OptionalDouble.empty() : cpuSeconds(stat)).orElseGet(NodeFootprint::jvmCpu);
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    return new StatusView.NodeFigures(rss, heap, threads, cpu);
  }

  /** {@code VmRSS: 123456 kB} of {@code /proc/self/status}, in bytes. */
  static OptionalLong rssBytes(String procStatus) {
    OptionalLong kb = statusValue(procStatus, "VmRSS");
    return kb.isPresent() ? OptionalLong.of(kb.getAsLong() * 1024) : kb;
  }

  /** The number of a {@code Name:\tvalue [kB]} line of {@code /proc/self/status}. */
  static OptionalLong statusValue(String procStatus, String name) {
    for (String line : procStatus.split("\n")) {
      if (line.startsWith(name + ":")) {
        String[] words = line.substring(name.length() + 1).trim().split("\\s+");
        try {
          return OptionalLong.of(Long.parseLong(words[0]));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  /**
   * User plus system time of {@code /proc/self/stat} (fields 14 and 15, in clock ticks), in
   * seconds. The command name (field 2) is in parentheses and may itself hold spaces or
   * parentheses, so the fields are counted after its last {@code ')'}.
   */
  static OptionalDouble cpuSeconds(String procStat) {
    int end = procStat.lastIndexOf(')');
    if (end < 0) {
      return OptionalDouble.empty();
    }
    // After the name: field 3 (state) is the first word, so utime (14) is the 12th, stime the 13th.
    String[] f = procStat.substring(end + 1).trim().split("\\s+");
    if (f.length < 13) {
      return OptionalDouble.empty();
    }
    try {
      long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
      return OptionalDouble.of((double) ticks / TICKS_PER_SECOND);
    } catch (NumberFormatException e) {
      return OptionalDouble.empty();
    }
  }

  private static double jvmCpu() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      long nanos = os.getProcessCpuTime();
      return nanos < 0 ? -1 : nanos / 1e9;
    }
    return -1;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.US_ASCII);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
