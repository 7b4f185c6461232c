package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.backend.config.AnnounceMode;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.backend.policy.FakeClock;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The virtio device model alone: a fake wall clock, a link given by hand, writes recorded. */
class VirtioNetDeviceTest {
  record Write(VirtioNetConfig config, long generation, boolean irq) {}

  private long wallMs = 5_000;
  private boolean up;
  private NetdevState phy = phy(1000, 1500);
  private final List<Write> writes = new ArrayList<>();
  private final InstanceCounters counters = new InstanceCounters();
  private final FakeClock timers = new FakeClock();

  private static NetdevState phy(int speed, int mtu) {
    return new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP, IfFlag.RUNNING, IfFlag.LOWER_UP), OperState.UP,
        true, mtu, "52:54:00:12:34:56", speed, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.EPOCH, 1);
  }

  private VirtioNetDevice device(Set<VirtioFeature> features) {
    return device(features, AnnounceMode.ON_LINK_UP);
  }

  private VirtioNetDevice device(Set<VirtioFeature> features, AnnounceMode mode) {
    InstanceConfig cfg = new InstanceConfig("vn0", "eth0", "linux0", 2, 42, null, features, true,
        LinkPolicyConfig.DEFAULTS, null, mode);
    return new VirtioNetDevice(cfg, "backend0", () -> wallMs, timers, new VirtioNetDevice.Link() {
      @Override
      public boolean reportedUp() {
        return up;
      }

      @Override
      public NetdevState followed() {
        return phy;
      }
    }, (c, g, irq) -> writes.add(new Write(c, g, irq)), counters);
  }

  private static final Set<VirtioFeature> ALL = EnumSet.of(VirtioFeature.STATUS, VirtioFeature.CTRL_VQ,
      VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MTU, VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX);

  /** A probed, bound device whose driver is live, after its PHY came up (ANNOUNCE set where negotiated). */
  private VirtioNetDevice liveAndUp(Set<VirtioFeature> features) {
    VirtioNetDevice d = device(features);
    d.probe();
    d.bound(phy);
    d.driverOk(ALL);
    up = true;
    d.report(true, true);
    return d;
  }

  private Write last() {
    return writes.get(writes.size() - 1);
  }

  @Test
  void probeWritesWithoutIrq_driverOkWritesWithIrqUnderANewGeneration() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES);
    d.probe();
    assertThat(writes).hasSize(1);
    assertThat(last().irq()).isFalse();
    assertThat(last().generation()).isEqualTo(5_000);

    d.driverOk(ALL);
    assertThat(writes).hasSize(2);
    assertThat(last().irq()).isTrue();
    assertThat(last().generation()).isEqualTo(5_001); // the clock stood still: generation + 1
    assertThat(d.negotiated()).containsExactlyInAnyOrderElementsOf(ALL);
  }

  @Test
  void generationFollowsTheWallClockWhenItIsAhead_andWrapsAt2To32() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES);
    d.probe();
    wallMs = 9_000;
    d.rewrite();
    assertThat(last().generation()).isEqualTo(9_000);
    wallMs = 0x1_0000_0005L; // the clock modulo 2^32 is 5: behind, so generation + 1
    d.rewrite();
    assertThat(last().generation()).isEqualTo(9_001);
  }

  @Test
  void riseSetsAnnounceWhenNegotiated_ackClearsItWithoutIrq() {
    VirtioNetDevice d = liveAndUp(InstanceConfig.DEFAULT_FEATURES);
    assertThat(last().config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE);
    assertThat(last().irq()).isTrue();
    assertThat(counters.announces.get()).isEqualTo(1);

    d.announceAck();
    int beforeClear = writes.size();
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS - 1);
    assertThat(writes).as("the clearing write waits for a write to carry it").hasSize(beforeClear);
    timers.advance(1);
    assertThat(last().config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP);
    assertThat(last().irq()).isFalse();
    int n = writes.size();
    d.announceAck(); // a second ACK changes nothing
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS);
    assertThat(writes).hasSize(n);
  }

  @Test
  void aDeviceClearedSoonAfterTheAck_writesNoConfigAgain() {
    VirtioNetDevice d = liveAndUp(ALL);
    d.announceAck();
    int n = writes.size();

    d.cleared(); // hot-unplug: the config topic is emptied
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS);

    assertThat(writes).hasSize(n);
    assertThat(timers.pending()).isZero();
  }

  @Test
  void aConfigWriteSoonAfterTheAck_carriesTheClearedBit_andNoSeparateClearingWriteFollows() {
    VirtioNetDevice d = liveAndUp(ALL);
    assertThat(last().config().announce()).isTrue();

    d.announceAck();
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS / 2);
    up = false;
    d.report(false, true); // the next change's write, within the deferral
    assertThat(last().config().status()).isZero();
    assertThat(last().irq()).isTrue();
    int n = writes.size();
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS);
    assertThat(writes).as("no clearing write of its own").hasSize(n);
    assertThat(timers.pending()).isZero();
  }

  @Test
  void announceOnRequest_riseDoesNotAnnounce_requestDoesInBothModes() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES, AnnounceMode.ON_REQUEST);
    d.probe();
    assertThat(d.requestAnnounce()).contains("no driver is live");
    d.driverOk(ALL);
    up = true;
    d.report(true, true);
    assertThat(last().config().announce()).isFalse();
    assertThat(d.requestAnnounce()).isNull();
    assertThat(last().config().status()).isEqualTo(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE);
    assertThat(last().irq()).isTrue();
    d.announceAck();
    timers.advance(VirtioNetDevice.ANNOUNCE_CLEAR_DEFER_MS);
    assertThat(last().config().announce()).isFalse();
    assertThat(last().irq()).isFalse();

    VirtioNetDevice onLinkUp = device(InstanceConfig.DEFAULT_FEATURES, AnnounceMode.ON_LINK_UP);
    onLinkUp.probe();
    onLinkUp.driverOk(ALL);
    assertThat(onLinkUp.requestAnnounce()).isNull();
    assertThat(last().config().announce()).isTrue();
    assertThat(counters.announces.get()).isEqualTo(2);

    VirtioNetDevice noAnnounce = device(InstanceConfig.DEFAULT_FEATURES, AnnounceMode.ON_LINK_UP);
    noAnnounce.driverOk(EnumSet.of(VirtioFeature.STATUS));
    assertThat(noAnnounce.requestAnnounce()).contains("GUEST_ANNOUNCE");
  }

  @Test
  void noAnnounceWithoutGuestAnnounce_andNoIrqWithoutStatus() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES);
    d.probe();
    d.driverOk(EnumSet.of(VirtioFeature.MAC));
    assertThat(last().irq()).isFalse();
    assertThat(last().config().linkUp()).as("without STATUS the link reads as up").isTrue();
    up = true;
    d.report(true, true);
    assertThat(last().config().announce()).isFalse();
    assertThat(writes.stream().noneMatch(Write::irq)).isTrue();
  }

  @Test
  void speedChangesOnlyWithARise_mtuIsFixedAtTheFirstBinding() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES);
    d.probe();
    d.bound(phy);
    d.phyApplied(phy);
    d.driverOk(ALL);
    up = true;
    d.report(true, true);
    assertThat(last().config().speed()).isEqualTo(1000);
    phy = phy(100, 9000);
    d.phyApplied(phy);
    assertThat(counters.mtuChangesIgnored.get()).isEqualTo(1);
    assertThat(d.configStale()).isFalse(); // neither speed (link up) nor MTU (fixed) may change
    up = false;
    d.report(false, true);
    assertThat(last().config().speed()).isEqualTo(100);
    assertThat(last().config().mtu()).isEqualTo(1500);
  }

  @Test
  void syncWritesOnlyWhatChanged() {
    VirtioNetDevice d = device(InstanceConfig.DEFAULT_FEATURES);
    d.probe();
    int n = writes.size();
    d.sync();
    assertThat(writes).hasSize(n);
    up = true;
    d.sync();
    assertThat(writes).hasSize(n + 1);
    assertThat(last().config().linkUp()).isTrue();
  }
}
