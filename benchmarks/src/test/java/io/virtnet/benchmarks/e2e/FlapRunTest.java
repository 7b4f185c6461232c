package io.virtnet.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FlapRunTest {
  private static BenchScenario standard(String name) {
    return BenchScenario.standard(name, Duration.ofSeconds(10), Duration.ofSeconds(10), 1);
  }

  @Test
  void warmUpRunsFasterButBelowTenThousandEventsPerSecond() {
    assertThat(FlapRun.warmupRate(standard("a"))).isEqualTo(5000); // 50x of 100 changes/s, 1 instance each
    assertThat(FlapRun.warmupRate(standard("b"))).isEqualTo(1250); // 10,000 events/s over 8 instances per PHY
    BenchScenario slowWide = new BenchScenario("x", "", 1, 100, 1, 100, Duration.ZERO, Duration.ZERO, 1, false);
    assertThat(FlapRun.warmupRate(slowWide)).as("never slower than the rate").isEqualTo(100);
  }

  @Test
  void roundsPoolTheirSamplesAndSumTheirCountsAndTime() {
    Latencies fast = new Latencies();
    for (int i = 1; i <= 99; i++) {
      fast.add(1_000_000); // 1 ms
    }
    Latencies slow = new Latencies();
    slow.add(9_000_000); // one 9 ms sample in the other round
    FlapRun.Measurement pooled = FlapRun.Measurement.pool(java.util.List.of(
        new FlapRun.Measurement(fast, 99, 99, 2.0, 1, 0, 0, 0, 120),
        new FlapRun.Measurement(slow, 1, 1, 2.0, 0, 2, 1, 1, 3)));
    assertThat(pooled.latency().samples()).isEqualTo(100);
    assertThat(pooled.latency().p99()).isEqualTo(1.0);
    assertThat(pooled.latency().max()).isEqualTo(9.0);
    assertThat(pooled.eventsPerSec()).isEqualTo(25.0); // 100 delivered in 4 s measured
    assertThat(pooled.missed()).isEqualTo(1);
    assertThat(pooled.duplicates()).isEqualTo(2);
    assertThat(pooled.stalls()).isEqualTo(1);
    assertThat(pooled.wrongFinalStates()).as("a wrong final state in any round counts").isEqualTo(1);
    assertThat(pooled.viewsInRun()).isEqualTo(123);
  }

  @Test
  void theFinalStateIsWhatTheLastViewShows_alsoWhenNoViewCouldBePairedWithItsCommand() {
    // one PHY, one instance, 200 changes/s for 50 ms; every view comes unpaired (as a repair's would)
    BenchScenario s = new BenchScenario("x", "", 1, 1, 1, 200, Duration.ZERO, Duration.ofMillis(50), 1, false);
    FlapRun[] run = new FlapRun[1];
    run[0] = new FlapRun(s, (phy, k, value) -> run[0].shown(0, value), false);

    FlapRun.Measurement m = run[0].run(Duration.ofSeconds(5).toNanos());

    assertThat(m.commands()).isPositive();
    assertThat(m.delivered()).as("nothing paired").isZero();
    assertThat(m.missed()).isEqualTo(m.commands());
    assertThat(m.wrongFinalStates()).isZero();
  }

  @Test
  void anInstanceWhoseLastViewShowsAnOlderChange_isAWrongFinalState() {
    BenchScenario s = new BenchScenario("x", "", 1, 1, 1, 200, Duration.ZERO, Duration.ofMillis(50), 1, false);
    FlapRun[] run = new FlapRun[1];
    run[0] = new FlapRun(s, (phy, k, value) -> run[0].shown(0, k == 0 ? value : !value), false);

    FlapRun.Measurement m = run[0].run(Duration.ofMillis(100).toNanos());

    assertThat(m.commands()).isGreaterThan(1);
    assertThat(m.wrongFinalStates()).isEqualTo(1);
  }

  @Test
  void aSummaryTakenBeforeMoreSamplesDoesNotHideThem() {
    Latencies l = new Latencies();
    l.add(1_000_000);
    assertThat(l.summary().max()).isEqualTo(1.0);
    l.add(9_000_000);
    assertThat(l.summary().max()).isEqualTo(9.0);
    assertThat(l.summary().samples()).isEqualTo(2);
  }
}
