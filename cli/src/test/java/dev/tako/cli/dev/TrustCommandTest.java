package dev.tako.cli.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tako.cli.Captured;
import dev.tako.cli.TakoHome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code tako dev trust} prints, against trust stores in temporary directories. */
class TrustCommandTest {
  @TempDir Path dir;

  @Test
  void printsWhatWasDoneHowToUndoItAndTheCaForNode() throws Exception {
    TakoHome home = new TakoHome(dir.resolve("home"));
    Path system = dir.resolve("usr/local/share/ca-certificates");
    Files.createDirectories(system.getParent());
    TrustStores stores = new TrustStores(system, List.of("true"), dir.resolve("user"), null);
    String out;
    int code;
    try (Captured c = new Captured()) {
      code = TrustCommand.run(home, stores);
      out = c.out();
    }
    Path ca = home.dir().resolve("ca/ca.crt");
    assertEquals(0, code, out);
    assertTrue(out.startsWith("tako dev CA: " + ca + "\n"), out);
    assertTrue(out.contains("ok      system: added " + system.resolve("tako-dev.crt")), out);
    assertTrue(out.contains("undo: sudo rm " + system.resolve("tako-dev.crt")), out);
    assertTrue(out.contains("skipped browsers (NSS)"), out);
    assertTrue(out.contains("export NODE_EXTRA_CA_CERTS=" + ca), out);
  }

  @Test
  void nothingTrustedIsExitOne() throws Exception {
    TakoHome home = new TakoHome(dir.resolve("home"));
    TrustStores stores =
        new TrustStores(dir.resolve("no/such/dir"), List.of("true"), dir.resolve("user"), null);
    try (Captured c = new Captured()) {
      assertEquals(1, TrustCommand.run(home, stores));
    }
  }
}
