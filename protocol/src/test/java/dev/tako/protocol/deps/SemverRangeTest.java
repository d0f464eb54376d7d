package dev.tako.protocol.deps;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SemverRangeTest {
  @ParameterizedTest(name = "{0} matches {1}")
  @CsvSource(
      delimiterString = " | ",
      value = {
        ">=22 | 22.0.0",
        ">=22 | v22.11.0",
        ">= 18 | 20.20.2",
        ">18 | 19.0.0",
        ">18.2 | 18.3.0",
        ">1.2.3 | 1.2.4",
        "<21 | 20.99.99",
        "<=20 | 20.20.2",
        "<=20.1 | 20.1.9",
        "<20.1 | 20.0.9",
        "=20.20.2 | v20.20.2",
        "20.20.2 | 20.20.2",
        "v20.20.2 | 20.20.2",
        "20 | 20.20.2",
        "20.x | 20.0.0",
        "20.X | 20.1.0",
        "20.20.x | 20.20.2",
        "20.20 | 20.20.5",
        "* | 20.20.2",
        "x | 0.0.1",
        "'' | 20.20.2",
        "^20.10.0 | 20.20.2",
        "^20 | 20.0.0",
        "^20.x | 20.9.1",
        "^0.2.3 | 0.2.9",
        "^0.0.3 | 0.0.3",
        "^0.0 | 0.0.7",
        "^0.x | 0.9.0",
        "~20.19.1 | 20.19.9",
        "~20.19 | 20.19.0",
        "~20 | 20.20.2",
        "~>1.2.3 | 1.2.8",
        ">=18 <21 | 20.20.2",
        ">=18.0.0 <=20.20.2 | 20.20.2",
        "^18 || ^20 | 20.20.2",
        "^16 || >=22 || 20.x | 20.20.2",
        "18 - 20 | 20.20.2",
        "18 - 20 | 18.0.0",
        "1.2.3 - 2.3.4 | 2.3.4",
        "1.2 - 2.3.4 | 1.2.0",
        "1.2.3 - 2.3 | 2.3.9",
        ">=1.2.3-alpha.2 | 1.2.3-alpha.10",
        "^1.2.3-beta.2 | 1.2.3-beta.4",
        "^1.2.3-beta.2 | 1.2.4",
        ">=1.0.0-rc.1 | 1.0.0-rc.1",
        "=1.2.3+build.5 | 1.2.3",
        "1.2.3 | 1.2.3+build",
      })
  void matches(String range, String version) {
    assertTrue(SemverRange.parse(range).satisfiedBy(version), range + " should match " + version);
  }

  @ParameterizedTest(name = "{0} does not match {1}")
  @CsvSource(
      delimiterString = " | ",
      value = {
        ">=22 | 20.20.2",
        ">20 | 20.20.2",
        ">20.20 | 20.20.9",
        ">1.2.3 | 1.2.3",
        "<20 | 20.0.0",
        "<20.1 | 20.1.0",
        "<=20.1 | 20.2.0",
        "<=20.1.0 | 20.1.1",
        "=20.20.1 | 20.20.2",
        "20 | 21.0.0",
        "20.x | 19.9.9",
        "20.20.x | 20.21.0",
        "^20.21.0 | 20.20.2",
        "^20 | 21.0.0",
        "^0.2.3 | 0.3.0",
        "^0.2.3 | 0.2.2",
        "^0.0.3 | 0.0.4",
        "^0.0 | 0.1.0",
        "~20.19.1 | 20.20.0",
        "~20.19.1 | 20.19.0",
        "~20 | 21.0.0",
        ">=18 <20 | 20.20.2",
        "^18 || ^22 | 20.20.2",
        "18 - 19 | 20.0.0",
        "1.2.3 - 2.3.4 | 2.3.5",
        "1.2.3 - 2.3 | 2.4.0",
        "1.2.3 - 2.3 | 1.2.2",
        ">* | 1.0.0",
        "<* | 1.0.0",
        "^20 | 20.0.0-rc.1",
        "^20 | 21.0.0-nightly20240101",
        ">=20 | 22.0.0-rc.1",
        ">=1.2.3-alpha.2 | 1.2.3-alpha.1",
        ">=1.2.3-alpha.2 | 1.2.4-alpha.9",
        "^1.2.3-beta.2 | 1.2.3-beta.1",
        "1.2.3 | 1.2.3-rc.1",
      })
  void doesNotMatch(String range, String version) {
    assertTrue(
        !SemverRange.parse(range).satisfiedBy(version), range + " should not match " + version);
  }

  @ParameterizedTest
  @ValueSource(strings = {">=abc", "node 20", "1.2.3.4", ">=01", "^", "20.x.1.2", "1.2.3 - "})
  void rejectsWhatNpmRejects(String range) {
    var e = assertThrows(IllegalArgumentException.class, () -> SemverRange.parse(range));
    assertTrue(e.getMessage().contains(range.strip()) || e.getMessage().contains("version"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"20", "20.x", "v", "node"})
  void rejectsVersionsThatAreNotVersions(String version) {
    assertThrows(IllegalArgumentException.class, () -> SemverRange.Version.parse(version));
  }

  @org.junit.jupiter.api.Test
  void ordersVersionsAsSemverSays() {
    String[] ascending = {
      "1.0.0-alpha",
      "1.0.0-alpha.1",
      "1.0.0-alpha.beta",
      "1.0.0-beta",
      "1.0.0-beta.2",
      "1.0.0-beta.11",
      "1.0.0-rc.1",
      "1.0.0",
      "1.0.1",
      "1.1.0",
      "2.0.0"
    };
    for (int i = 1; i < ascending.length; i++) {
      var lower = SemverRange.Version.parse(ascending[i - 1]);
      var higher = SemverRange.Version.parse(ascending[i]);
      assertTrue(lower.compareTo(higher) < 0, ascending[i - 1] + " < " + ascending[i]);
    }
    assertEquals("20.20.2", SemverRange.Version.parse("v20.20.2").toString());
    assertEquals(">=22", SemverRange.parse(">=22").toString());
  }
}
