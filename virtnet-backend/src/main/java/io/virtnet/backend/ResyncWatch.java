package io.virtnet.backend;

import io.virtnet.backend.policy.PolicyClock;

/**
 * Watches that an instance's frontend view follows its config (docs/contract.md §3): when the view's
 * carrier disagrees with the config's LINK_UP for longer than {@code resyncMs} after the last config
 * write (an IRQ lost, a config overwritten), it asks for the device and config to be republished.
 * Only a live driver that negotiated STATUS is held to it, and only once it has shown a view. A view
 * that still disagrees after a resync waits twice as long for the next (at most {@link #MAX_PERIOD_MS}),
 * so a frontend that cannot follow is not flooded. No I/O (time and timers through a
 * {@link PolicyClock}); use it from one context.
 */
final class ResyncWatch {
  static final long MAX_PERIOD_MS = 60_000;

  private final PolicyClock clock;
  private final long resyncMs;
  /** The wait in force: resyncMs, doubled after each resync that did not help. */
  private long period;
  private final Runnable resync;
  private boolean expected;
  private boolean watched;
  private Boolean seen;
  /** When the disagreement started counting (the later of the last write and the first disagreeing view). */
  private long since;
  private PolicyClock.Timer timer;
  private boolean disagreeing;

  /**
   * @param resync republishes the device and config; it is expected to write the config (which
   *     restarts the count)
   */
  ResyncWatch(PolicyClock clock, long resyncMs, Runnable resync) {
    this.clock = clock;
    this.resyncMs = resyncMs;
    this.period = resyncMs;
    this.resync = resync;
  }

  /** A config was written: {@code linkUp} is its LINK_UP; {@code watched} whether the driver must follow it. */
  void configWritten(boolean linkUp, boolean watched) {
    this.expected = linkUp;
    this.watched = watched;
    since = clock.nowMs();
    evaluate();
  }

  /** The frontend's view shows {@code carrier}. */
  void viewSeen(boolean carrier) {
    seen = carrier;
    evaluate();
  }

  boolean disagrees() {
    return watched && seen != null && seen != expected;
  }

  private void evaluate() {
    if (!disagrees()) {
      // the timer, if any, is left to find agreement when it fires: a view lags every write for a
      // moment, and setting and cancelling a timer per write cost a visible share of a storm
      period = resyncMs;
      disagreeing = false;
      return;
    }
    if (!disagreeing) {
      // counted from the later of the last write and the moment the view began to disagree
      disagreeing = true;
      since = Math.max(since, clock.nowMs());
    }
    if (timer == null) {
      long due = Math.max(1, since + period - clock.nowMs());
      timer = clock.schedule(due, this::check);
    }
  }

  private void check() {
    timer = null;
    if (!disagrees()) {
      return;
    }
    long waited = clock.nowMs() - since;
    if (waited >= period) {
      long next = Math.min(MAX_PERIOD_MS, period * 2);
      resync.run();
      since = clock.nowMs();
      period = next;
    }
    evaluate();
  }

  void close() {
    cancel();
  }

  private void cancel() {
    if (timer != null) {
      timer.cancel();
      timer = null;
    }
  }
}
