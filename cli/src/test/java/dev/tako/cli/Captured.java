package dev.tako.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Swaps {@code System.out} and {@code System.err} for buffers until closed, so tests can assert on
 * exactly what the CLI prints on each channel. Create it before the {@link Output} under test: an
 * Output keeps the streams it saw when it was made.
 */
public final class Captured implements AutoCloseable {
  private final PrintStream oldOut = System.out;
  private final PrintStream oldErr = System.err;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  public Captured() {
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  public String out() {
    System.out.flush();
    return out.toString(StandardCharsets.UTF_8);
  }

  public String err() {
    System.err.flush();
    return err.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }
}
