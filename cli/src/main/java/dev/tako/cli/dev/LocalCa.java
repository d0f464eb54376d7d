package dev.tako.cli.dev;

import dev.tako.cli.CliException;
import dev.tako.cli.TakoHome;
import dev.tako.protocol.tls.CaFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The CLI's side of the tako dev CA ({@code $TAKO_HOME/ca/}, {@link CaFiles#DEV}): created here on
 * first use, before {@code tako dev} starts its process (whose proxy only loads it and issues
 * leaves) and for {@code tako dev trust}. A broken CA is a failure (exit 1) saying what to remove.
 */
public final class LocalCa {
  private LocalCa() {}

  /** The dev CA of {@code home}, created if absent. */
  public static CaFiles.Ca of(TakoHome home) {
    try {
      return loadOrCreate(home.dir().resolve("ca"));
    } catch (IOException e) {
      throw CliException.failed(e.getMessage());
    }
  }

  static CaFiles.Ca loadOrCreate(Path dir) throws IOException {
    return CaFiles.loadOrCreate(dir, CaFiles.DEV, Clock.systemUTC());
  }
}
