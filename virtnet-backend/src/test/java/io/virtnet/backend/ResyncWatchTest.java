package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.backend.policy.FakeClock;
import org.junit.jupiter.api.Test;

class ResyncWatchTest {
  private final FakeClock clock = new FakeClock();
  private int resyncs;
  private ResyncWatch watch;

  ResyncWatchTest() {
    watch = new ResyncWatch(clock, 2000, () -> {
      resyncs++;
      watch.configWritten(true, true); // a resync rewrites the config
    });
  }

  @Test
  void aViewDisagreeingForResyncMsAfterTheLastWrite_triggersAResync_thenBacksOffWhileItDoesNotHelp() {
    watch.configWritten(true, true);
    watch.viewSeen(false);
    clock.advance(1999);
    assertThat(resyncs).isZero();
    clock.advance(1);
    assertThat(resyncs).isEqualTo(1);
    clock.advance(3999);
    assertThat(resyncs).as("the next one waits twice as long").isEqualTo(1);
    clock.advance(1);
    assertThat(resyncs).isEqualTo(2);
    clock.advance(8000);
    assertThat(resyncs).isEqualTo(3);
    watch.viewSeen(true);
    clock.advance(100_000);
    assertThat(resyncs).isEqualTo(3);
    assertThat(clock.pending()).isZero();
    // agreement resets the wait, counted from when the view began to disagree
    watch.viewSeen(false);
    clock.advance(1999);
    assertThat(resyncs).isEqualTo(3);
    clock.advance(1);
    assertThat(resyncs).isEqualTo(4);
  }

  @Test
  void aNewWriteRestartsTheCount_andAnUnwatchedOrSilentDriverIsNeverResynced() {
    watch.configWritten(true, true);
    watch.viewSeen(false);
    clock.advance(1500);
    watch.configWritten(false, true); // the link went down meanwhile: the view agrees now
    clock.advance(5000);
    assertThat(resyncs).isZero();
    watch.configWritten(true, true);
    clock.advance(1500);
    watch.configWritten(true, true); // another write: 2000 ms from here
    clock.advance(1999);
    assertThat(resyncs).isZero();
    clock.advance(1);
    assertThat(resyncs).isEqualTo(1);

    ResyncWatch silent = new ResyncWatch(clock, 2000, () -> resyncs += 100);
    silent.configWritten(true, true); // no view yet
    silent.configWritten(true, false); // not watched (no STATUS)
    silent.viewSeen(false);
    clock.advance(10_000);
    assertThat(resyncs).isLessThan(100);
  }
}
