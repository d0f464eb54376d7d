package dev.tako.cli.dev;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.tako.protocol.tls.CaFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tako dev trust} against stores in temporary directories: the system step with a stand-in
 * for update-ca-certificates (never the machine's own store), the NSS step with the real certutil
 * on a fresh NSS database.
 */
class TrustStoresTest {
  @TempDir Path dir;

  @Test
  void theSystemStepCopiesTheCaWorldReadableAndRunsTheUpdate() throws Exception {
    CaFiles.Ca ca = LocalCa.loadOrCreate(dir.resolve("home/ca"));
    Path system = dir.resolve("root/usr/local/share/ca-certificates");
    Files.createDirectories(system.getParent());
    Path updated = dir.resolve("updated");
    TrustStores stores =
        new TrustStores(
            system,
            List.of("sh", "-c", "ls " + system + " > " + updated),
            dir.resolve("user"),
            null);

    List<TrustStores.Step> steps = stores.trust(ca.certFile());

    TrustStores.Step step = steps.get(0);
    assertEquals(TrustStores.Outcome.DONE, step.outcome(), step.detail());
    Path copy = system.resolve("tako-dev.crt");
    assertEquals(Files.readString(ca.certFile()), Files.readString(copy));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(copy)));
    assertEquals(
        "tako-dev.crt", Files.readString(updated).strip(), "the update ran after the copy");
    assertTrue(step.undo().contains("rm " + copy), step.undo());
    assertTrue(Files.exists(TrustStores.marker(ca.certFile())), "tako dev stops suggesting trust");
    assertTrue(
        steps.get(steps.size() - 1).detail().contains("NODE_EXTRA_CA_CERTS=" + ca.certFile()));
  }

  @Test
  void aFailingUpdateSaysWhatToRunAsRoot() throws Exception {
    CaFiles.Ca ca = LocalCa.loadOrCreate(dir.resolve("home/ca"));
    Path system = dir.resolve("ca-certificates");
    TrustStores stores = new TrustStores(system, List.of("false"), dir.resolve("user"), null);
    TrustStores.Step step = stores.trust(ca.certFile()).get(0);
    assertEquals(TrustStores.Outcome.FAILED, step.outcome());
    assertTrue(step.detail().contains("as root run: sudo"), step.detail());
    assertTrue(!Files.exists(TrustStores.marker(ca.certFile())), "nothing trusts it yet");
  }

  @Test
  void withoutAnNssDatabaseTheBrowserStepIsSkippedWithAHint() throws Exception {
    CaFiles.Ca ca = LocalCa.loadOrCreate(dir.resolve("home/ca"));
    TrustStores stores =
        new TrustStores(
            dir.resolve("nowhere/at/all"), List.of("true"), dir.resolve("user"), "certutil");
    List<TrustStores.Step> steps = stores.trust(ca.certFile());
    assertEquals(TrustStores.Outcome.SKIPPED, steps.get(0).outcome());
    assertEquals(TrustStores.Outcome.SKIPPED, steps.get(1).outcome());
    assertTrue(steps.get(1).detail().contains(".pki/nssdb"), steps.get(1).detail());
  }

  @Test
  void theNssStepAddsTheCaToTheUsersDatabaseAndItsUndoRemovesIt() throws Exception {
    String certutil = TrustStores.onPath("certutil", null);
    assumeTrue(certutil != null, "certutil (libnss3-tools) is not installed");
    CaFiles.Ca ca = LocalCa.loadOrCreate(dir.resolve("home/ca"));
    Path user = dir.resolve("user");
    Path db = user.resolve(".pki/nssdb");
    Files.createDirectories(db);
    assertEquals(0, run(certutil, "-N", "-d", "sql:" + db, "--empty-password"));
    TrustStores stores = new TrustStores(dir.resolve("nowhere/x"), List.of("true"), user, certutil);

    TrustStores.Step step = stores.trust(ca.certFile()).get(1);
    assertEquals(TrustStores.Outcome.DONE, step.outcome(), step.detail());
    assertEquals(0, run(certutil, "-L", "-d", "sql:" + db, "-n", TrustStores.NICKNAME));
    // Again: the entry is replaced, not duplicated.
    assertEquals(TrustStores.Outcome.DONE, stores.trust(ca.certFile()).get(1).outcome());

    assertEquals(0, run("sh", "-c", step.undo()));
    assertNotEquals(0, run(certutil, "-L", "-d", "sql:" + db, "-n", TrustStores.NICKNAME));
  }

  private static int run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue();
  }
}
