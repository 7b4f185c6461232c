package io.virtnet.frontend.nic;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which error a VM NIC's link view reports, for every hypervisor kind. */
class NicLinkStateTest {

  private static NicLinkState state(boolean connected, String lastCallError) {
    return new NicLinkState("virtio-net5", true, true, connected, connected, connected, lastCallError, 3, 1, false,
        null);
  }

  @Test
  void connected_reportsTheLastFailedCall_notTheConnectionsError() {
    assertThat(state(true, "set_link nic0 down: device is busy").viewError("stale: connection refused"))
        .isEqualTo("set_link nic0 down: device is busy");
  }

  @Test
  void connected_withNoFailedCall_reportsNothing() {
    assertThat(state(true, null).viewError("stale: connection refused")).isNull();
  }

  @Test
  void notConnected_reportsWhyTheConnectionCannotBeMade() {
    assertThat(state(false, "set_link nic0 up: no reply").viewError("connect: connection refused"))
        .isEqualTo("connect: connection refused");
  }

  @Test
  void notConnected_withNoConnectionError_reportsTheLastFailedCall() {
    assertThat(state(false, "set_link nic0 up: no reply").viewError(null)).isEqualTo("set_link nic0 up: no reply");
  }
}
