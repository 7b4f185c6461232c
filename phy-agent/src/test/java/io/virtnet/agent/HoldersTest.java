package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HoldersTest {
  private final Holders holders = new Holders();

  @Test
  void holdsCount_untilPut() {
    holders.hold("eth0", "virtio-net0", "backend0");
    holders.hold("eth0", "virtio-net2", "backend0");
    holders.hold("eth0", "virtio-net2", "backend0"); // a retained re-delivery is the same hold
    assertThat(holders.count("eth0")).isEqualTo(2);
    assertThat(holders.describe("eth0")).isEqualTo("virtio-net0@backend0, virtio-net2@backend0");

    assertThat(holders.put("eth0", "virtio-net0")).isTrue();
    assertThat(holders.put("eth0", "virtio-net0")).isFalse();
    assertThat(holders.count("eth0")).isEqualTo(1);
    assertThat(holders.count("eth1")).isZero();
  }

  @Test
  void holdsOfAnOfflineNode_doNotCount_untilItIsBack() {
    holders.hold("eth0", "virtio-net0", "backend0");
    holders.hold("eth0", "virtio-net1", "backend1");

    assertThat(holders.nodeStatus("backend0", false)).isTrue();
    assertThat(holders.count("eth0")).isEqualTo(1);
    assertThat(holders.nodeStatus("backend0", false)).isFalse();

    assertThat(holders.nodeStatus("backend0", true)).isTrue();
    assertThat(holders.count("eth0")).isEqualTo(2);

    holders.nodeStatus("backend1", false);
    assertThat(holders.forgetNode("backend1")).isTrue();
    assertThat(holders.count("eth0")).isEqualTo(2);
  }

  @Test
  void resync_dropsHoldsNotSeenAgain() {
    holders.hold("eth0", "virtio-net0", "backend0");
    holders.hold("eth0", "virtio-net1", "backend0");
    long gen = holders.beginResync();
    holders.hold("eth0", "virtio-net1", "backend0"); // re-delivered after the reconnection
    holders.endResync(gen);

    assertThat(holders.count("eth0")).isEqualTo(1);
    assertThat(holders.describe("eth0")).isEqualTo("virtio-net1@backend0");
  }
}
