package dev.tako.protocol.ports;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Picks the loopback port ({@code PORT}) of a new app instance.
 *
 * <p>A port the kernel gives out for port 0 lies in its ephemeral range, the same range it draws
 * the local ports of outgoing connections from. Between the moment the node learns such a port and
 * the moment the app binds it, any outgoing connection on the server (the proxy's own connections
 * to instances, a health probe, another node) may take it, and the app dies with {@code
 * EADDRINUSE}. So instance ports come from a range below the ephemeral one ({@link PortRange#AUTO}:
 * from 10000 up to the start of {@code ip_local_port_range}), where the kernel never picks a port
 * by itself. Each candidate is checked by binding it, and a port handed out is not handed out again
 * by this node for {@link #HOLD_NANOS} (its instance binds it in the meantime), so two instances
 * starting at once never get the same port.
 */
public final class InstancePorts {

  /** A port handed out stays reserved this long, enough for its instance to bind it. */
  static final long HOLD_NANOS = TimeUnit.MINUTES.toNanos(2);

  private static final int ATTEMPTS = 200;

  /** Ports handed out by this node (the JVM), with when. */
  private static final Map<Integer, Long> GIVEN = new ConcurrentHashMap<>();

  private InstancePorts() {}

  /**
   * A free loopback port from {@code range}, not handed out by this node in the last {@link
   * #HOLD_NANOS}; a port from the kernel (port 0) when the range is {@link PortRange#KERNEL} or has
   * no free port.
   */
  public static int next(PortRange range) throws IOException {
    if (!range.isKernel()) {
      forgetOld();
      int span = range.high() - range.low() + 1;
      int start = ThreadLocalRandom.current().nextInt(span);
      for (int i = 0; i < Math.min(ATTEMPTS, span); i++) {
        int port = range.low() + (start + i * stride(span)) % span;
        if (GIVEN.putIfAbsent(port, System.nanoTime()) != null) {
          continue;
        }
        if (bindable(port)) {
          return port;
        }
        GIVEN.remove(port);
      }
    }
    return kernelPort();
  }

  /** A step through the range that is coprime with its size, so no candidate repeats. */
  private static int stride(int span) {
    int stride = 7919 % span; // a prime, spreads consecutive tries over the range
    while (stride == 0 || gcd(stride, span) != 1) {
      stride = (stride + 1) % span;
    }
    return stride;
  }

  private static int gcd(int a, int b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  private static boolean bindable(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 1);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void forgetOld() {
    long now = System.nanoTime();
    for (Iterator<Map.Entry<Integer, Long>> it = GIVEN.entrySet().iterator(); it.hasNext(); ) {
      if (now - it.next().getValue() > HOLD_NANOS) {
        it.remove();
      }
    }
  }

  /**
   * An inclusive range of ports, or {@link #KERNEL} (ask the kernel for port 0). Written in config
   * as {@code "auto"}, {@code "kernel"} or {@code "LOW-HIGH"}.
   */
  public record PortRange(int low, int high) {

    public static final PortRange KERNEL = new PortRange(0, 0);

    /** The lowest port {@code "auto"} uses. */
    static final int AUTO_LOW = 10_000;

    /** Below this many ports between 10000 and the ephemeral range, "auto" means the kernel's. */
    static final int AUTO_MIN_SPAN = 1_000;

    public PortRange {
      if (!(low == 0 && high == 0) && (low < 1024 || high > 65_535 || low > high)) {
        throw new IllegalArgumentException(
            "instance ports must be a range like 10000-32767 within 1024-65535, got "
                + low
                + "-"
                + high);
      }
    }

    boolean isKernel() {
      return low == 0;
    }

    public static PortRange parse(String text) {
      String t = text.trim();
      if (t.equals("auto")) {
        return auto(Path.of("/proc/sys/net/ipv4/ip_local_port_range"));
      }
      if (t.equals("kernel")) {
        return KERNEL;
      }
      int dash = t.indexOf('-');
      try {
        if (dash > 0) {
          return new PortRange(
              Integer.parseInt(t.substring(0, dash).trim()),
              Integer.parseInt(t.substring(dash + 1).trim()));
        }
      } catch (NumberFormatException e) {
        // fall through to the message below
      }
      throw new IllegalArgumentException(
          "instance-ports must be \"auto\", \"kernel\" or a range like \"10000-32767\", got \""
              + text
              + "\"");
    }

    /**
     * From 10000 up to just below the kernel's ephemeral range as {@code file} gives it ({@code
     * ip_local_port_range}, "LOW HIGH"); the kernel's own choice when that leaves too few ports or
     * the file cannot be read.
     */
    static PortRange auto(Path file) {
      // Not Files.readString: it trusts the size a file reports, and /proc files report 0 (on
      // Java 17 it returns only the first byte).
      try (java.io.BufferedReader reader = Files.newBufferedReader(file)) {
        String line = reader.readLine();
        String[] parts = (line == null ? "" : line).trim().split("\\s+");
        int ephemeralLow = Integer.parseInt(parts[0]);
        int high = Math.min(ephemeralLow - 1, 65_535);
        if (high - AUTO_LOW + 1 >= AUTO_MIN_SPAN) {
          return new PortRange(AUTO_LOW, high);
        }
      } catch (IOException | RuntimeException e) {
        // not Linux, or unreadable: the kernel's choice
      }
      return KERNEL;
    }
  }

  /** A loopback port free at the time of the call, from the kernel (bound to port 0, released). */
  public static int kernelPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
