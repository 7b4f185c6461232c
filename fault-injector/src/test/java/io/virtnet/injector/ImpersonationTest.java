package io.virtnet.injector;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.injector.Impersonation.Mode;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImpersonationTest {
  private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  private static final NetdevState REAL = new NetdevState("linux0", "eth0", 2,
      EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.RUNNING, IfFlag.MULTICAST, IfFlag.LOWER_UP), OperState.UP, true,
      1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 3, 2, RegState.REGISTERED, NOW.minusSeconds(60), 1000);

  @Test
  void stale_seqsAllBelowTheReal_firstOneLiesAboutCarrier() {
    List<NetdevEvent> events = Impersonation.plan(REAL, "fake0", Mode.STALE, 4, NOW);
    assertThat(events).extracting(NetdevEvent::seq).containsExactly(999L, 998L, 997L, 996L);
    assertThat(events).allSatisfy(e -> assertThat(e.state().agent()).isEqualTo("fake0"));
    NetdevState lie = events.get(0).state();
    assertThat(lie.carrier()).isFalse();
    assertThat(lie.flags()).doesNotContain(IfFlag.RUNNING, IfFlag.LOWER_UP);
    assertThat(lie.operstate()).isEqualTo(OperState.DOWN);
  }

  @Test
  void stale_stopsAtSeqOne() {
    NetdevState low = REAL.withSeq(3, NOW);
    assertThat(Impersonation.plan(low, "linux0", Mode.STALE, 10, NOW)).extracting(NetdevEvent::seq).containsExactly(2L, 1L);
  }

  @Test
  void duplicate_sendsOneEventManyTimes_withTheRealState() {
    List<NetdevEvent> events = Impersonation.plan(REAL, "linux0", Mode.DUPLICATE, 3, NOW);
    assertThat(events).hasSize(3).extracting(NetdevEvent::seq).containsOnly(1001L);
    assertThat(events).allSatisfy(e -> assertThat(e.state().carrier()).isTrue());
  }

  @Test
  void reorder_swapsPairs_andTheHighestSeqHoldsTheTruth() {
    List<NetdevEvent> events = Impersonation.plan(REAL, "fake0", Mode.REORDER, 5, NOW);
    assertThat(events).extracting(NetdevEvent::seq).containsExactly(1002L, 1001L, 1004L, 1003L, 1005L);
    NetdevEvent highest = events.stream().max((a, b) -> Long.compare(a.seq(), b.seq())).orElseThrow();
    assertThat(highest.state().carrier()).isEqualTo(REAL.carrier());
    assertThat(events).extracting(e -> e.state().carrier()).contains(false);
  }
}
