package dev.tako.cli.commands;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tako.cli.Output;
import dev.tako.protocol.api.LogLine;
import dev.tako.protocol.api.LogsView;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogsCommandTest {
  private static LogLine line(String server, String time, String text) {
    return new LogLine(time, server, server, "hello", "production", "abcd1234", "stdout", text);
  }

  private static List<String> texts(List<LogLine> lines) {
    return lines.stream().map(LogLine::line).toList();
  }

  @Test
  void overlappingPollsPrintEachLineOnceButRepeatedLinesAsOftenAsWritten() {
    LogsCommand.Printer p = new LogsCommand.Printer(new Output(true), List.of("la", "nyc"));
    LogsView first =
        new LogsView(
            List.of(
                line("la", "2026-01-01T10:00:00.000Z", "a"),
                line("nyc", "2026-01-01T10:00:00.500Z", "tick"),
                line("nyc", "2026-01-01T10:00:00.500Z", "tick")),
            List.of("la", "nyc"),
            List.of());
    assertEquals(List.of("a", "tick", "tick"), texts(p.fresh(first, Instant.EPOCH)));
    LogsView second =
        new LogsView(
            List.of(
                line("la", "2026-01-01T10:00:00.000Z", "a"),
                line("nyc", "2026-01-01T10:00:00.500Z", "tick"),
                line("nyc", "2026-01-01T10:00:00.500Z", "tick"),
                line("nyc", "2026-01-01T10:00:00.500Z", "tick"),
                line("la", "2026-01-01T10:00:01.000Z", "b")),
            List.of("la", "nyc"),
            List.of());
    assertEquals(List.of("tick", "b"), texts(p.fresh(second, Instant.EPOCH)));
    assertEquals(Instant.parse("2026-01-01T10:00:01Z"), p.newest());
  }

  @Test
  void humanLinesNameTimeServerInstanceAndStream() {
    LogsCommand.Printer p = new LogsCommand.Printer(new Output(false), List.of("la"));
    assertEquals(
        "2026-01-01T10:00:00.000Z la/abcd1234 stdout | hi",
        p.human(line("la", "2026-01-01T10:00:00.000Z", "hi")));
  }
}
