package dev.tako.node.scale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class ScalePolicyTest {
  @Test
  void upToTheCapIsAllowedZeroToo() {
    assertNull(ScalePolicy.overCap(4, 4));
    assertNull(ScalePolicy.overCap(0, 4));
  }

  @Test
  void aboveTheCapSaysHowToRaiseIt() {
    assertEquals(
        "5 instances is above this server's cap of 4 (2 x CPUs unless node.conf sets"
            + " tako.max-instances)",
        ScalePolicy.overCap(5, 4));
  }
}
