package io.virtnet.injector.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.protocol.Topics;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConvergenceCheckerTest {
  private final ConvergenceChecker checker = new ConvergenceChecker(Fixtures.STACK);
  private final Topics t = Fixtures.STACK.topics();

  @Test
  void convergedStore_hasNoDivergence() {
    assertThat(checker.divergences(Fixtures.converged(true, false), Map.of("eth0", true, "eth1", false))).isEmpty();
  }

  @Test
  void viewShowingCarrierTheTruthDenies_isWrong() {
    Map<String, byte[]> m = Fixtures.converged(true, false);
    m.put(t.rtosLink(2, "virtio-net1"), Fixtures.view(true));
    assertThat(checker.divergences(m, Map.of())).containsExactly("virtio-net1 view carrier true, truth false");
  }

  @Test
  void clearedDeviceViewConfigOrHold_isWrong() {
    Map<String, byte[]> m = Fixtures.converged(true, true);
    m.put(t.virtioDevice("virtio-net0"), new byte[0]);
    m.remove(t.rtosLink(3, "virtio-net2"));
    m.put(t.virtioConfig("virtio-net1"), new byte[0]);
    m.put(t.phyRef("linux0", "eth0", "virtio-net2"), new byte[0]);
    assertThat(checker.divergences(m, Map.of())).containsExactlyInAnyOrder("virtio-net0 device missing",
        "virtio-net2 view missing", "virtio-net1 config missing", "virtio-net2 hold missing, eth0 registered");
  }

  @Test
  void configLinkUpDisagreeing_isWrong() {
    Map<String, byte[]> m = Fixtures.converged(false, true);
    m.put(t.virtioConfig("virtio-net0"), Fixtures.config(true));
    assertThat(checker.divergences(m, Map.of())).containsExactly("virtio-net0 config LINK_UP true, truth false");
  }

  @Test
  void emptyStateOrStateNotAsCommanded_isWrong() {
    Map<String, byte[]> m = Fixtures.converged(true, true);
    m.put(t.phyState("linux0", "eth1"), new byte[0]);
    assertThat(checker.divergences(m, Map.of("eth0", false))).containsExactlyInAnyOrder("eth1 state missing",
        "eth0 state carrier true, commanded false");
  }

  @Test
  void agentOffline_meansEveryLinkDown() {
    Map<String, byte[]> m = Fixtures.converged(true, true);
    m.put(t.phyStatus("linux0"), Fixtures.status(false));
    assertThat(checker.divergences(m, Map.of())).contains("agent linux0 status offline", "virtio-net0 view carrier true, truth false");
    // once every view and config is down, only the agent's status is left wrong
    Map<String, byte[]> down = Fixtures.converged(true, true);
    down.put(t.phyStatus("linux0"), Fixtures.status(false));
    for (StackModel.Instance i : Fixtures.STACK.instances()) {
      down.put(t.rtosLink(i.cpu(), i.name()), Fixtures.view(false));
      down.put(t.virtioConfig(i.name()), Fixtures.config(false));
    }
    assertThat(checker.divergences(down, Map.of())).containsExactly("agent linux0 status offline");
  }

  @Test
  void emptyStore_afterABrokerLostItsStore_isWrong() {
    assertThat(checker.divergences(Map.of(), Map.of())).contains("agent linux0 status missing", "backend backend0 status missing",
        "eth0 state missing", "eth1 state missing");
  }

  @Test
  void undecodableRetainedLie_countsAsMissing() {
    Map<String, byte[]> m = Fixtures.converged(true, true);
    m.put(t.rtosLink(2, "virtio-net0"), "{\"carrier\":".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(checker.divergences(m, Map.of())).containsExactly("virtio-net0 view missing");
  }

  @Test
  void aRestartedServiceMustHaveStampedItsTopicsSinceTheRestart() {
    Map<String, byte[]> m = Fixtures.converged(true, true);
    java.time.Instant before = Fixtures.TS.minusSeconds(1);
    java.time.Instant after = Fixtures.TS.plusSeconds(1);
    assertThat(checker.divergences(m, Map.of(), Map.of(Service.AGENT, before, Service.BACKEND, before, Service.FRONTEND, before)))
        .isEmpty();
    assertThat(checker.divergences(m, Map.of(), Map.of(Service.BACKEND, after)))
        .containsExactly("backend status of " + Fixtures.TS + " predates the restart at " + after);
    assertThat(checker.divergences(m, Map.of(), Map.of(Service.FRONTEND, after))).hasSize(3)
        .allSatisfy(w -> assertThat(w).contains("view of " + Fixtures.TS + " predates the restart"));
  }
}
