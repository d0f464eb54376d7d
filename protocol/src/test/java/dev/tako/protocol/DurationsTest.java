package dev.tako.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void parsesEveryUnit() {
    assertEquals(Duration.ofMillis(500), Durations.parse("500ms"));
    assertEquals(Duration.ofSeconds(3), Durations.parse("3s"));
    assertEquals(Duration.ofMinutes(5), Durations.parse("5m"));
    assertEquals(Duration.ofHours(1), Durations.parse("1h"));
    assertEquals(Duration.ZERO, Durations.parse("0s"));
    assertEquals(Duration.ofSeconds(10), Durations.parse(" 10s "));
  }

  @Test
  void rejectsOtherFormsNamingTheAcceptedOne() {
    for (String bad : new String[] {"5", "5 m", "-1s", "1.5s", "5min", "m", "", "PT5M", "1d"}) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Durations.parse(bad), bad);
      assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
      assertTrue(e.getMessage().contains("500ms, 3s, 5m, 1h"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Durations.parse(null));
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("999999999999999999h"));
  }

  @Test
  void formatsInTheLargestExactUnitAndRoundTrips() {
    assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
    assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
    assertEquals("2m", Durations.format(Duration.ofSeconds(120)));
    assertEquals("5m", Durations.format(Duration.ofMinutes(5)));
    assertEquals("2h", Durations.format(Duration.ofMinutes(120)));
    assertEquals("0s", Durations.format(Duration.ZERO));
    for (String s : new String[] {"500ms", "3s", "5m", "1h", "1500ms"}) {
      assertEquals(s, Durations.format(Durations.parse(s)));
    }
    assertThrows(IllegalArgumentException.class, () -> Durations.format(Duration.ofSeconds(-1)));
  }
}
