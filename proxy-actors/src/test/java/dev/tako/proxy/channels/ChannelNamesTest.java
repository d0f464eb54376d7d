package dev.tako.proxy.channels;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelNamesTest {
  @Test
  void namesAreOneTo128OfTheAllowedCharacters() {
    assertTrue(ChannelNames.valid("news"));
    assertTrue(ChannelNames.valid("room-42.a_b:c"));
    assertTrue(ChannelNames.valid("x".repeat(128)));
    assertFalse(ChannelNames.valid(""));
    assertFalse(ChannelNames.valid(null));
    assertFalse(ChannelNames.valid("x".repeat(129)));
    for (String bad : List.of("a b", "a/b", "a%20b", "a*", "é", "a?b", "a\u0000b", "a+b")) {
      assertFalse(ChannelNames.valid(bad), bad);
    }
  }

  @Test
  void starMatchesAnyRunIncludingNone() {
    assertTrue(ChannelNames.matches("news", "news"));
    assertFalse(ChannelNames.matches("news", "news2"));
    assertTrue(ChannelNames.matches("room-*", "room-"));
    assertTrue(ChannelNames.matches("room-*", "room-42"));
    assertFalse(ChannelNames.matches("room-*", "room"));
    assertFalse(ChannelNames.matches("room-*", "xroom-1"));
    assertTrue(ChannelNames.matches("*", "anything"));
    assertTrue(ChannelNames.matches("a*b*c", "aXXbYYc"));
    assertTrue(ChannelNames.matches("a*b*c", "abc"));
    assertFalse(ChannelNames.matches("a*b*c", "aXXbYY"));
    assertTrue(ChannelNames.matches("*-log", "x-log-log"));
    assertFalse(ChannelNames.matches("News", "news"));
  }

  @Test
  void hostilePatternsStayLinear() {
    String name = "a".repeat(128);
    assertFalse(ChannelNames.matches("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", name));
  }

  @Test
  void policyPublicPatterns() {
    ChannelPolicy policy =
        new ChannelPolicy(List.of("news", "room-*"), null, ChannelRetention.DEFAULT);
    assertTrue(policy.isPublic("news"));
    assertTrue(policy.isPublic("room-7"));
    assertFalse(policy.isPublic("secret"));
    assertFalse(ChannelPolicy.NONE.isPublic("news"));
  }
}
