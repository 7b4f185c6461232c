package io.virtnet.injector.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SoakStatsTest {
  private static Round round(int i, FaultKind... kinds) {
    return new Round(i, java.util.Arrays.stream(kinds).map(k -> new Fault(k, "x", 0, 0)).toList(), Map.of("eth0", true));
  }

  @Test
  void timesPerKind_p50AndMax_wrongRoundsCounted() {
    SoakStats s = new SoakStats();
    s.converged(round(0, FaultKind.KILL_BACKEND, FaultKind.CLEARED_REF), 4000);
    s.converged(round(1, FaultKind.CLEARED_REF), 300);
    s.converged(round(2, FaultKind.CLEARED_REF), 500);
    s.wrong(round(3, FaultKind.EMPTY_DEVICE), List.of("virtio-net0 device missing"));
    s.repairs(Map.of("ref-reasserted", 3L));

    assertThat(s.injected(FaultKind.CLEARED_REF)).isEqualTo(3);
    assertThat(s.p50(FaultKind.CLEARED_REF)).isEqualTo(500);
    assertThat(s.max(FaultKind.CLEARED_REF)).isEqualTo(4000);
    assertThat(s.p50(FaultKind.EMPTY_DEVICE)).isEqualTo(-1);
    assertThat(s.rounds()).isEqualTo(4);
    assertThat(s.wrongFinalStates()).singleElement().satisfies(w -> assertThat(w.round()).isEqualTo(3));
    assertThat(s.table())
        .contains("| cleared-ref | 3 | 500 | 4000 | 0 |")
        .contains("| empty-device | 1 | – | – | 1 |")
        .contains("rounds: 4, wrong final states: 1")
        .contains("ref-reasserted=3")
        .contains("WRONG round 3")
        .doesNotContain("flap-storm");
  }

  @Test
  void repairsAreSummedOverTheRunsOfAKilledService() {
    RepairCounts r = new RepairCounts();
    String scrape = "# HELP vnet_repairs_total Views repaired\n"
        + "vnet_repairs_total{kind=\"ref-reasserted\",service=\"virtnet-backend\",} 2.0\n"
        + "vnet_repairs_total{kind=\"resync\",service=\"virtnet-backend\",} 1.0\n"
        + "vnet_rejected_messages_total{reason=\"x\",} 9.0\n";
    assertThat(RepairCounts.parse(scrape)).containsExactly(Map.entry("ref-reasserted", 2L), Map.entry("resync", 1L));
    r.scraped("backend#1", RepairCounts.parse(scrape));
    r.scraped("backend#1", Map.of("ref-reasserted", 3L, "resync", 1L)); // a later scrape of the same run replaces
    r.scraped("backend#2", Map.of("ref-reasserted", 1L));
    assertThat(r.totals()).containsExactly(Map.entry("ref-reasserted", 4L), Map.entry("resync", 1L));
  }
}
