package dev.tako.node.channels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelFileTest {
  private static final Ballot A1 = new Ballot(1, "a");

  @TempDir Path dir;

  private static List<String> data(ChannelLog log) {
    return log.from(1, 10_000).stream()
        .map(e -> new String(e.data(), StandardCharsets.UTF_8))
        .toList();
  }

  @Test
  void historySurvivesAReopenWithItsPromiseAndCommit() throws IOException {
    Path path = dir.resolve("x/news.log");
    ChannelFile file = ChannelFile.open(path, false);
    ChannelLog log = file.log();
    log.promise(A1);
    log.create(A1, 1, "one".getBytes(StandardCharsets.UTF_8));
    log.create(A1, 2, "two".getBytes(StandardCharsets.UTF_8));
    log.create(A1, 3, "three".getBytes(StandardCharsets.UTF_8));
    log.commitTo(2);
    file.close();

    ChannelFile again = ChannelFile.open(path, false);
    ChannelLog back = again.log();
    assertEquals(A1, back.promised());
    assertEquals(List.of("one", "two", "three"), data(back));
    assertEquals(2, back.commit());
    assertEquals(MessageIds.of(1, 2), back.at(2).id());
    again.close();
  }

  @Test
  void aTornLastRecordIsCutOff() throws IOException {
    Path path = dir.resolve("torn.log");
    ChannelFile file = ChannelFile.open(path, false);
    file.log().promise(A1);
    file.log().create(A1, 1, "whole".getBytes(StandardCharsets.UTF_8));
    file.close();
    long whole = Files.size(path);
    Files.write(path, new byte[] {0, 0, 0, 40, 'E', 1, 2}, StandardOpenOption.APPEND);

    ChannelFile again = ChannelFile.open(path, false);
    assertEquals(List.of("whole"), data(again.log()));
    assertEquals(whole, Files.size(path));
    again.log().create(A1, 2, "next".getBytes(StandardCharsets.UTF_8));
    again.close();
    assertEquals(List.of("whole", "next"), data(ChannelFile.open(path, false).log()));
  }

  @Test
  void retentionAndRewritesKeepTheFileSmallAndTheHistoryTheSame() throws IOException {
    Path path = dir.resolve("busy.log");
    ChannelFile file = ChannelFile.open(path, false);
    ChannelLog log = file.log();
    log.promise(A1);
    var keep = new dev.tako.proxy.channels.ChannelRetention(java.time.Duration.ofHours(1), 10);
    for (int i = 1; i <= 2000; i++) {
      log.create(A1, i, ("m" + i).getBytes(StandardCharsets.UTF_8));
      log.commitTo(i);
      log.trim(keep, i);
      file.compactIfLarge();
    }
    file.close();
    assertTrue(Files.size(path) < 40_000, "file of " + Files.size(path) + " bytes");
    ChannelLog back = ChannelFile.open(path, false).log();
    assertEquals(1991, back.first());
    assertEquals(2000, back.commit());
    assertEquals(10, back.size());
    assertEquals(false, back.replay(MessageIds.of(1, 1990)).reset());
    assertEquals(true, back.replay(MessageIds.of(1, 1989)).reset());
  }
}
