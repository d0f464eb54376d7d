package dev.tako.node.scale;

/**
 * What {@code tako scale} may ask of one server: no more instances than its cap ({@code
 * tako.max-instances} in node.conf, 2 x CPUs by default). Zero is allowed (the app sleeps until a
 * request wakes it).
 */
public final class ScalePolicy {
  private ScalePolicy() {}

  /** Why {@code instances} is refused on a server with this cap, or null when it is not. */
  public static String overCap(int instances, int cap) {
    if (instances <= cap) {
      return null;
    }
    return instances
        + " instances is above this server's cap of "
        + cap
        + " (2 x CPUs unless node.conf sets tako.max-instances)";
  }
}
