package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class UnregisterWaitersTest {
  private static final Duration SECOND = Duration.ofSeconds(1);
  private final ManualClock clock = ManualClock.at("2026-12-04T19:00:00Z");
  private final Holders holders = new Holders();
  private final UnregisterWaiters waiters = new UnregisterWaiters(holders, SECOND, Duration.ofSeconds(10));

  private static NetdevState down(String ifname) {
    return new NetdevState("linux0", ifname, 2, EnumSet.of(IfFlag.BROADCAST, IfFlag.MULTICAST), OperState.DOWN,
        false, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 1, 1, RegState.UNREGISTERED,
        Instant.parse("2026-12-04T19:00:00Z"), 42);
  }

  private Instant now() {
    return clock.instant();
  }

  @Test
  void unregister_withoutHolders_isUnregisteredAtOnce_andNothingWaits() {
    NetdevState s = waiters.unregister(down("eth0"), now());

    assertThat(s.reg()).isEqualTo(RegState.UNREGISTERED);
    assertThat(waiters.isWaiting("eth0")).isFalse();
    assertThat(waiters.nextDue()).isEmpty();
  }

  @Test
  void unregister_whileHeld_staysUnregistering_rebroadcastsEverySecond_andWarnsEveryTen() {
    holders.hold("eth0", "virtio-net0", "backend0");

    NetdevState s = waiters.unregister(down("eth0"), now());

    assertThat(s.reg()).isEqualTo(RegState.UNREGISTERING);
    assertThat(waiters.size()).isEqualTo(1);
    assertThat(waiters.nextDue()).contains(now().plus(SECOND));
    assertThat(waiters.due(now()).rebroadcasts()).isEmpty();
    int rebroadcasts = 0;
    int warnings = 0;
    for (int i = 1; i <= 20; i++) {
      clock.advance(SECOND);
      UnregisterWaiters.Due due = waiters.due(now());
      rebroadcasts += due.rebroadcasts().size();
      assertThat(due.rebroadcasts()).allSatisfy(r -> assertThat(r.reg()).isEqualTo(RegState.UNREGISTERING));
      if (!due.warnings().isEmpty()) {
        warnings++;
        assertThat(i % 10).isZero();
        assertThat(due.warnings()).containsExactly(new UnregisterWaiters.Warning("eth0", 1, "virtio-net0@backend0"));
      }
    }
    assertThat(rebroadcasts).isEqualTo(20);
    assertThat(warnings).isEqualTo(2);
  }

  @Test
  void aLateTimer_getsOneRebroadcast_notABurst() {
    holders.hold("eth0", "virtio-net0", "backend0");
    waiters.unregister(down("eth0"), now());

    clock.advance(Duration.ofMillis(3_500));

    assertThat(waiters.due(now()).rebroadcasts()).hasSize(1);
    assertThat(waiters.nextDue()).contains(now().plus(Duration.ofMillis(500)));
    assertThat(waiters.due(now()).rebroadcasts()).isEmpty();
  }

  @Test
  void theLastPut_releasesTheDevice_once() {
    holders.hold("eth0", "virtio-net0", "backend0");
    holders.hold("eth0", "virtio-net1", "backend0");
    waiters.unregister(down("eth0"), now());

    holders.put("eth0", "virtio-net0");
    assertThat(waiters.released()).isEmpty();
    holders.put("eth0", "virtio-net1");

    assertThat(waiters.released()).containsExactly("eth0");
    assertThat(waiters.released()).isEmpty();
    assertThat(waiters.isWaiting("eth0")).isFalse();
    assertThat(waiters.nextDue()).isEmpty();
  }

  @Test
  void aHolderWhoseBackendDied_noLongerCounts() {
    holders.hold("eth0", "virtio-net0", "backend7");
    waiters.unregister(down("eth0"), now());
    clock.advance(Duration.ofSeconds(10));
    assertThat(waiters.due(now()).warnings()).extracting(UnregisterWaiters.Warning::usage).containsExactly(1);

    holders.nodeStatus("backend7", false); // its will

    assertThat(waiters.released()).containsExactly("eth0");
  }

  @Test
  void aNameReusedByTheKernel_isNoLongerWaitedFor() {
    holders.hold("eth0", "virtio-net0", "backend0");
    waiters.unregister(down("eth0"), now());

    assertThat(waiters.forget("eth0")).isTrue();
    assertThat(waiters.forget("eth0")).isFalse();
    clock.advance(SECOND);
    assertThat(waiters.due(now()).rebroadcasts()).isEmpty();
  }

  @Test
  void twoDevices_areTimedEachOnItsOwn() {
    holders.hold("eth0", "virtio-net0", "backend0");
    holders.hold("eth1", "virtio-net1", "backend0");
    waiters.unregister(down("eth0"), now());
    clock.advance(Duration.ofMillis(400));
    waiters.unregister(down("eth1"), now());

    clock.advance(Duration.ofMillis(600));
    assertThat(waiters.due(now()).rebroadcasts()).extracting(NetdevState::ifname).containsExactly("eth0");
    assertThat(waiters.nextDue()).contains(now().plus(Duration.ofMillis(400)));
    clock.advance(Duration.ofMillis(400));
    assertThat(waiters.due(now()).rebroadcasts()).extracting(NetdevState::ifname).containsExactly("eth1");

    waiters.clear();
    assertThat(waiters.size()).isZero();
  }

  @Test
  void intervals_mustBePositive() {
    assertThatThrownBy(() -> new UnregisterWaiters(holders, Duration.ZERO, SECOND))
        .hasMessageContaining("rebroadcastInterval");
    assertThatThrownBy(() -> new UnregisterWaiters(holders, SECOND, Duration.ofSeconds(-1)))
        .hasMessageContaining("warnInterval");
  }
}
