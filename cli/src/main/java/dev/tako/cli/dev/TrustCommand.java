package dev.tako.cli.dev;

import dev.tako.cli.TakoHome;
import dev.tako.cli.commands.DevCommand;
import dev.tako.protocol.tls.CaFiles;
import java.util.List;

/**
 * What {@code tako dev trust} prints: per trust store what was done, or why not and what to run
 * instead, how to undo it, and the CA path for {@code NODE_EXTRA_CA_CERTS}. Exit 0 when at least
 * one store trusts the CA now, else 1.
 */
public final class TrustCommand {
  private TrustCommand() {}

  public static int run(TakoHome home, TrustStores stores) {
    CaFiles.Ca ca = LocalCa.of(home);
    System.out.println("tako dev CA: " + ca.certFile());
    System.out.println(
        "  " + ca.certificate().getSubjectX500Principal().getName() + " (used by tako dev only)");
    List<TrustStores.Step> steps = stores.trust(ca.certFile());
    for (TrustStores.Step s : steps) {
      String mark =
          switch (s.outcome()) {
            case DONE -> "ok     ";
            case SKIPPED -> "skipped";
            case FAILED -> "FAILED ";
          };
      System.out.println(mark + " " + s.store() + ": " + s.detail());
      if (s.outcome() == TrustStores.Outcome.DONE && !s.undo().isEmpty()) {
        System.out.println("        undo: " + s.undo());
      }
    }
    System.out.println();
    System.out.println("For Node.js clients: export NODE_EXTRA_CA_CERTS=" + ca.certFile());
    System.out.println(
        "Then open https://<app>.localhost:" + DevCommand.DEFAULT_PORT + "/ after tako dev.");
    return steps.stream().anyMatch(s -> s.outcome() == TrustStores.Outcome.DONE) ? 0 : 1;
  }
}
