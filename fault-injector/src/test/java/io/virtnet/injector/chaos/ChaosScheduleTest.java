package io.virtnet.injector.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ChaosScheduleTest {
  private static final List<FaultKind> ALL = List.of(FaultKind.values());

  private static ChaosSchedule schedule(long seed, List<FaultKind> kinds) {
    return new ChaosSchedule(seed, kinds, Fixtures.STACK, 1500);
  }

  @Test
  void sameSeed_sameRounds_differentSeed_otherRounds() {
    List<Round> a = IntStream.range(0, 50).mapToObj(schedule(42, ALL)::round).toList();
    List<Round> b = IntStream.range(0, 50).mapToObj(schedule(42, ALL)::round).toList();
    List<Round> c = IntStream.range(0, 50).mapToObj(schedule(43, ALL)::round).toList();
    assertThat(a).isEqualTo(b);
    assertThat(a).isNotEqualTo(c);
  }

  @Test
  void roundIsAPureFunctionOfItsIndex() {
    ChaosSchedule s = schedule(7, ALL);
    Round late = s.round(30);
    IntStream.range(0, 30).forEach(s::round);
    assertThat(s.round(30)).isEqualTo(late);
  }

  @Test
  void everyCycleOfRoundsHasEveryKindAsMainFault() {
    ChaosSchedule s = schedule(42, ALL);
    for (int cycle = 0; cycle < 3; cycle++) {
      Set<FaultKind> seen = EnumSet.noneOf(FaultKind.class);
      for (int i = cycle * ALL.size(); i < (cycle + 1) * ALL.size(); i++) {
        seen.addAll(s.round(i).kinds());
      }
      assertThat(seen).as("cycle " + cycle).containsExactlyInAnyOrderElementsOf(ALL);
    }
  }

  @Test
  void atMostOneProcessOrBrokerFaultPerRound_faultsInOrderWithinTheWindow_targetsExist() {
    ChaosSchedule s = schedule(5, ALL);
    for (int i = 0; i < 500; i++) {
      Round r = s.round(i);
      assertThat(r.faults()).hasSizeBetween(1, 1 + ChaosSchedule.MAX_EXTRAS);
      assertThat(r.faults().stream().filter(f -> f.kind().disruptive())).hasSizeLessThanOrEqualTo(1);
      assertThat(r.faults()).isSortedAccordingTo(java.util.Comparator.comparingLong(Fault::atMs));
      assertThat(r.faults()).allSatisfy(f -> assertThat(f.atMs()).isBetween(0L, 1499L));
      assertThat(r.finalCarriers()).containsOnlyKeys("eth0", "eth1");
      for (Fault f : r.faults()) {
        switch (f.kind()) {
          case FLAP_STORM -> assertThat(f.amount()).isBetween(ChaosSchedule.MIN_FLAPS, ChaosSchedule.MAX_FLAPS);
          case EMPTY_STATE, STALE_EVENTS -> assertThat(f.target()).isIn("eth0", "eth1");
          case EMPTY_DEVICE, FORGED_DRIVER_FEATURES, CLEARED_REF, CLEARED_LINK ->
              assertThat(f.target()).isIn("virtio-net0", "virtio-net1", "virtio-net2");
          default -> assertThat(f.target()).isIn("agent", "backend", "frontend", "broker");
        }
      }
    }
  }

  @Test
  void onlyTheChosenKindsAreInjected() {
    List<FaultKind> lies = List.of(FaultKind.EMPTY_DEVICE, FaultKind.CLEARED_REF);
    ChaosSchedule s = schedule(9, lies);
    IntStream.range(0, 100).forEach(i -> assertThat(s.round(i).kinds()).isSubsetOf(lies));
  }

  @Test
  void finalCarriersVaryAcrossRounds() {
    ChaosSchedule s = schedule(42, ALL);
    assertThat(IntStream.range(0, 40).mapToObj(i -> s.round(i).finalCarriers().get("eth0")).distinct()).containsExactlyInAnyOrder(true, false);
  }

  @Test
  void noKinds_isRefused() {
    assertThatThrownBy(() -> schedule(1, List.of())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FaultKind.ofLabel("kill-everything")).hasMessageContaining("kill-backend");
    assertThat(FaultKind.ofLabel("broker-empty-store")).isEqualTo(FaultKind.BROKER_EMPTY_STORE);
  }
}
