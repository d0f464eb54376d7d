package dev.tako.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AppEnvTest {
  @Test
  void theKeyReadsBack() {
    AppEnv a = new AppEnv("hello", "production");
    assertEquals("hello/production", a.key());
    assertEquals("hello/production", a.toString());
    assertEquals(a, AppEnv.parse("hello/production"));
  }

  @Test
  void anythingElseIsRefused() {
    for (String bad : new String[] {"hello", "/production", "hello/", "a/b/c", ""}) {
      assertThrows(IllegalArgumentException.class, () -> AppEnv.parse(bad), bad);
    }
  }
}
