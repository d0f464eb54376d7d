package dev.tako.cli.playground;

import java.util.Map;
import java.util.Set;

/**
 * The playground's network policy (SPEC §11), kept apart from the sockets: the round trip between
 * two regions and whether a partition cuts a connection. The CLI is "in" la for round trips but is
 * its own side of every cut: partitioning la cuts the CLI off from the la node too, and no
 * partition ever cuts the CLI from a region that is not partitioned. Pairs the table does not name
 * (a custom region) and same-region pairs cost no time.
 */
public final class WanTable {
  /** The region the CLI (127.0.0.1) is in, for round trips. */
  public static final String CLI_REGION = "la";

  private static final Map<String, Integer> ROUND_TRIP_MILLIS =
      Map.of(
          key("la", "nyc"), 70,
          key("la", "fra"), 150,
          key("la", "sgp"), 170,
          key("nyc", "fra"), 80,
          key("nyc", "sgp"), 230,
          key("fra", "sgp"), 160);

  private WanTable() {}

  private static String key(String a, String b) {
    return a.compareTo(b) <= 0 ? a + "|" + b : b + "|" + a;
  }

  /** The table's round trip between two regions in ms; 0 for the same region or an unknown pair. */
  public static int roundTripMillis(String a, String b) {
    if (a.equals(b)) {
      return 0;
    }
    return ROUND_TRIP_MILLIS.getOrDefault(key(a, b), 0);
  }

  /**
   * The delay of each direction of a connection: half the round trip, so that a request and its
   * answer together cost the table's round trip. Zero without {@code --wan}.
   */
  public static long oneWayNanos(boolean wan, Endpoint from, String toRegion) {
    return wan ? roundTripMillis(from.region(), toRegion) * 1_000_000L / 2 : 0;
  }

  /**
   * Whether the partitioned regions cut a connection from {@code from} to a node of {@code
   * toRegion}: when either side is partitioned and the two are not the same side (a node of a
   * region talking to itself through its own relay still works).
   */
  public static boolean cut(Set<String> partitioned, Endpoint from, String toRegion) {
    if (partitioned.isEmpty()) {
      return false;
    }
    if (from.cli()) {
      return partitioned.contains(toRegion);
    }
    if (from.region().equals(toRegion)) {
      return false;
    }
    return partitioned.contains(from.region()) || partitioned.contains(toRegion);
  }

  /** Who opened a relayed connection: a node of a region, or the CLI (which is in la). */
  public record Endpoint(String region, boolean cli) {
    public static final Endpoint CLI = new Endpoint(CLI_REGION, true);

    public static Endpoint node(String region) {
      return new Endpoint(region, false);
    }
  }
}
