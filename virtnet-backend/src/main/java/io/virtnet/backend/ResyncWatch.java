package io.virtnet.backend;

import io.virtnet.backend.policy.PolicyClock;

/**
 * Watches that an instance's frontend view follows its config (docs/contract.md §3): when the view's
 * carrier disagrees with the config's LINK_UP for longer than {@code resyncMs} after the last config
 * write (an IRQ lost, a config overwritten), it asks for the device and config to be republished.
 * Only a live driver that negotiated STATUS is held to it, and only once it has shown a view. No I/O
 * (time and timers through a {@link PolicyClock}); use it from one context.
 */
final class ResyncWatch {
  private final PolicyClock clock;
  private final long resyncMs;
  private final Runnable resync;
  private boolean expected;
  private boolean watched;
  private Boolean seen;
  /** When the disagreement started counting (the later of the last write and the first disagreeing view). */
  private long since;
  private PolicyClock.Timer timer;

  /**
   * @param resync republishes the device and config; it is expected to write the config (which
   *     restarts the count)
   */
  ResyncWatch(PolicyClock clock, long resyncMs, Runnable resync) {
    this.clock = clock;
    this.resyncMs = resyncMs;
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
      cancel();
      return;
    }
    if (timer == null) {
      long due = Math.max(1, since + resyncMs - clock.nowMs());
      timer = clock.schedule(due, this::check);
    }
  }

  private void check() {
    timer = null;
    if (!disagrees()) {
      return;
    }
    long waited = clock.nowMs() - since;
    if (waited >= resyncMs) {
      since = clock.nowMs();
      resync.run();
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
