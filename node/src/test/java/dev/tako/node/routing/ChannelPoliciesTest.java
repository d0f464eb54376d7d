package dev.tako.node.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tako.node.NodeTesting;
import dev.tako.protocol.api.DeployRequest;
import dev.tako.protocol.config.ChannelsConfig;
import dev.tako.proxy.channels.ChannelPolicy;
import dev.tako.proxy.channels.ChannelRetention;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChannelPoliciesTest {
  private static DeployRequest with(ChannelsConfig channels) {
    return NodeTesting.request("r1", "ab", List.of("la")).withChannels(channels);
  }

  @Test
  void aReleasesChannelsBecomeTheProxysPolicy() {
    ChannelPolicy policy =
        ChannelPolicies.of(with(new ChannelsConfig(List.of("room-*"), "/auth", "1h", 50)));
    assertEquals(
        new ChannelPolicy(
            List.of("room-*"), "/auth", new ChannelRetention(Duration.ofHours(1), 50)),
        policy);
  }

  @Test
  void noChannelsNoPolicyAndABadRetentionFallsBackToTheDefault() {
    assertNull(ChannelPolicies.of(null));
    assertNull(ChannelPolicies.of(with(null)));
    assertEquals(
        ChannelRetention.DEFAULT.maxAge(),
        ChannelPolicies.of(with(new ChannelsConfig(List.of(), null, "soon", 1000)))
            .retention()
            .maxAge());
  }
}
