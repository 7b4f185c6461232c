package io.virtnet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.protocol.NetdevCodec;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SeqClockTest {
  private final ManualClock clock = ManualClock.at("2026-12-04T19:00:00Z");
  private final long epoch = NetdevCodec.seqEpoch(Instant.parse("2026-12-04T19:00:00Z"));

  @Test
  void numbersGrowByOne_whileTheClockStands() {
    SeqClock seq = new SeqClock(clock);

    assertThat(seq.next()).isEqualTo(epoch + 1);
    assertThat(seq.next()).isEqualTo(epoch + 2);
    assertThat(seq.next()).isEqualTo(epoch + 3);
    assertThat(seq.last()).isEqualTo(epoch + 3);
  }

  @Test
  void numbersJumpToTheClock_whenItIsAhead() {
    SeqClock seq = new SeqClock(clock);
    seq.next();

    clock.advance(Duration.ofSeconds(2));

    assertThat(seq.next()).isEqualTo(epoch + 2_000_000);
    assertThat(seq.next()).isEqualTo(epoch + 2_000_001);
  }

  @Test
  void aBurstAheadOfTheClock_isNotUndone_whenTheClockCatchesUpOrGoesBack() {
    SeqClock seq = new SeqClock(clock);
    for (int i = 0; i < 1000; i++) {
      seq.next();
    }
    // 1000 numbers in one microsecond: the clock is behind; then it steps back (NTP)
    clock.advance(Duration.ofNanos(500_000));
    assertThat(seq.next()).isEqualTo(epoch + 1001);
    clock.set(Instant.parse("2026-12-04T18:59:00Z"));
    assertThat(seq.next()).isEqualTo(epoch + 1002);
  }

  @Test
  void aRestart_startsPastEveryNumberOfTheRunBefore() {
    SeqClock first = new SeqClock(clock);
    long last = 0;
    for (int i = 0; i < 10; i++) {
      last = first.next();
    }
    clock.advance(Duration.ofMillis(1));

    SeqClock second = new SeqClock(clock);

    assertThat(second.next()).isGreaterThan(last);
  }
}
