package io.virtnet.injector;

import io.virtnet.runtime.cli.Durations;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class PacerTest {
  /** A clock that advances only when parked, recording each park. */
  private static class FakeClock implements Pacer.Clock {
    long now = 1_000;
    final List<Long> parks = new ArrayList<>();

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void parkNanos(long nanos) {
      parks.add(nanos);
      now += nanos;
    }
  }

  @Test
  void rate_spacesSlotsEvenly_firstAtOnce() {
    FakeClock clock = new FakeClock();
    Pacer p = Pacer.ofRate(100, clock);
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      p.acquire();
      times.add(clock.now);
    }
    assertThat(times).containsExactly(1_000L, 10_001_000L, 20_001_000L, 30_001_000L, 40_001_000L);
    assertThat(clock.parks).hasSize(4).containsOnly(10_000_000L); // one park per wait: no spinning
  }

  @Test
  void slowCaller_doesNotDrift_andDoesNotWaitForPastSlots() {
    FakeClock clock = new FakeClock();
    Pacer p = Pacer.ofInterval(Duration.ofMillis(10), clock);
    p.acquire();
    clock.now += 25_000_000; // the caller took 25 ms
    p.acquire(); // slot 1 (10 ms) is past: no wait
    p.acquire(); // slot 2 (20 ms) is past: no wait
    p.acquire(); // slot 3 at 30 ms: waits 5 ms
    assertThat(clock.parks).containsExactly(5_000_000L);
    assertThat(p.issued()).isEqualTo(4);
  }

  @Test
  void earlyWakeUp_parksAgainUntilTheSlot() {
    FakeClock clock = new FakeClock() {
      @Override
      public void parkNanos(long nanos) {
        parks.add(nanos);
        now += nanos / 2 + 1; // spurious early return
      }
    };
    Pacer p = Pacer.ofInterval(Duration.ofMillis(8), clock);
    p.acquire();
    p.acquire();
    assertThat(clock.now).isGreaterThanOrEqualTo(1_000 + 8_000_000L);
  }

  @Test
  void nonPositiveRate_isRefused() {
    assertThatThrownBy(() -> Pacer.ofRate(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Pacer.ofRate(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void durations_parseAndFormat() {
    assertThat(Durations.parse("10ms")).isEqualTo(Duration.ofMillis(10));
    assertThat(Durations.parse("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(3))).isEqualTo("3s");
    assertThatThrownBy(() -> Durations.parse("5x")).hasMessageContaining("10ms");
    assertThatThrownBy(() -> Durations.parse("-1s")).isInstanceOf(IllegalArgumentException.class);
  }
}
