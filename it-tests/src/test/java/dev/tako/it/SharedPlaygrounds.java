package dev.tako.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Playgrounds shared by the integration test classes that need the same regions and node timers, so
 * the suite pays one {@code playground up} for them instead of one per class. Each class deploys
 * apps of its own names and looks them up by name; none stops, partitions or restarts a shared node
 * (a class that does keeps a playground of its own).
 *
 * <p>A class registers this extension ({@code @ExtendWith(SharedPlaygrounds.class)}) and asks for
 * its playground in {@code @BeforeAll}. The playgrounds come down when the whole run ends, with
 * {@link LocalPlayground#down()}'s checks (no node, no app process left); a failure there fails the
 * run.
 */
final class SharedPlaygrounds implements BeforeAllCallback {
  /** Node timers of the shared playgrounds: the short ones of every test, and idle checks. */
  static final String NODE_CONF =
      "tako.supervisor { stability-window = 300ms, drain-delay = 300ms, term-grace = 3s,"
          + " idle-check-interval = 200ms }";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(SharedPlaygrounds.class);
  private static final Map<List<String>, LocalPlayground> UP = new LinkedHashMap<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    context
        .getRoot()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent("down-at-the-end", key -> new DownAtTheEnd());
  }

  /** The shared playground of {@code regions}, started on first use. */
  static synchronized LocalPlayground of(List<String> regions) throws Exception {
    LocalPlayground pg = UP.get(regions);
    if (pg == null) {
      Path dir = Files.createTempDirectory("tako-shared-" + String.join("-", regions) + "-");
      pg = LocalPlayground.up(dir, regions, NODE_CONF);
      UP.put(List.copyOf(regions), pg);
    }
    return pg;
  }

  /** Closed by JUnit when the whole run ends. */
  private static final class DownAtTheEnd
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() throws Exception {
      downAll();
    }
  }

  private static synchronized void downAll() throws Exception {
    List<Throwable> failures = new ArrayList<>();
    for (LocalPlayground pg : UP.values()) {
      try {
        pg.down();
        LocalPlayground.deleteTree(pg.cwd);
      } catch (Exception | AssertionError e) {
        failures.add(e);
      }
    }
    UP.clear();
    if (!failures.isEmpty()) {
      AssertionError all = new AssertionError("a shared playground did not come down cleanly");
      failures.forEach(all::addSuppressed);
      throw all;
    }
  }
}
