package io.virtnet.backend.policy;

import io.virtnet.backend.config.DampeningConfig;

/**
 * Flap dampening as IP event dampening (RFC 2439's exponential decay applied to an interface): every
 * flap (a transition to down) adds {@code penalty}, which halves every {@code halfLifeMs} and never
 * exceeds the ceiling {@code reuse · 2^(maxSuppressMs / halfLifeMs)}, so that no suppression outlasts
 * {@code maxSuppressMs} after the last flap. A flap that lifts the penalty to {@code suppress} or above
 * suppresses the link: the output is held down while flaps go on; once the penalty has decayed to
 * {@code reuse} the output takes the input's current state at once. {@code null} config = off (the
 * output follows the input). Not thread-safe except the {@link #penalty()} and {@link #suppressed()}
 * reads, which a metrics scrape may make from any thread.
 */
final class Dampening {
  /** The penalty {@code value} at time {@code atMs}; immutable so a scrape reads a consistent pair. */
  private record Sample(double value, long atMs) {}

  /** Float slack when deciding that the penalty decayed to the reuse threshold. */
  private static final double EPSILON = 1e-9;

  private final PolicyClock clock;
  private final Stage.Output out;
  private volatile DampeningConfig config;

  private boolean input;
  private boolean output;
  private volatile Sample sample = new Sample(0, 0);
  private volatile boolean suppressed;
  private PolicyClock.Timer release;
  private boolean closed;

  private long flaps;
  private long flapsSuppressed;
  private long suppressions;

  Dampening(DampeningConfig config, PolicyClock clock, Stage.Output out) {
    this.config = config;
    this.clock = clock;
    this.out = out;
  }

  void input(boolean up) {
    if (closed || up == input) {
      return;
    }
    input = up;
    if (config != null && !up) {
      flap();
    }
    propagate();
  }

  private void flap() {
    flaps++;
    long now = clock.nowMs();
    double p = Math.min(decayed(sample, now, config) + config.penalty(), ceiling(config));
    sample = new Sample(p, now);
    if (suppressed) {
      flapsSuppressed++;
      armRelease();
    } else if (p >= config.suppress()) {
      suppressed = true;
      suppressions++;
      armRelease();
    }
  }

  /** New parameters, keeping the accumulated penalty (clamped to the new ceiling); null turns it off. */
  void configure(DampeningConfig c) {
    DampeningConfig old = config;
    config = c;
    long now = clock.nowMs();
    if (c == null) {
      sample = new Sample(0, now);
      suppressed = false;
      cancelRelease();
    } else {
      double p = old == null ? 0 : Math.min(decayed(sample, now, old), ceiling(c));
      sample = new Sample(p, now);
      if (suppressed) {
        armRelease();
      }
    }
    propagate();
  }

  /** Sets input and output to {@code up} at once and lifts a suppression; the penalty keeps decaying. */
  void force(boolean up) {
    cancelRelease();
    suppressed = false;
    input = up;
    output = up;
  }

  private void armRelease() {
    cancelRelease();
    Sample s = sample;
    // time for s.value to halve down to reuse: halfLife · log2(value / reuse)
    double ms = config.halfLifeMs() * (Math.log(s.value() / config.reuse()) / Math.log(2));
    long due = s.atMs() + (long) Math.ceil(Math.max(0, ms));
    long delay = due - clock.nowMs();
    if (delay <= 0) {
      releaseIfDecayed();
    } else {
      release = clock.schedule(delay, () -> {
        release = null;
        releaseIfDecayed();
      });
    }
  }

  private void releaseIfDecayed() {
    if (closed || !suppressed) {
      return;
    }
    if (decayed(sample, clock.nowMs(), config) <= config.reuse() * (1 + EPSILON)) {
      suppressed = false;
      // reuse: the current state goes out at once (an up is urgent for linkwatch downstream)
      propagate();
    } else {
      armRelease();
    }
  }

  private void propagate() {
    boolean next = input && !suppressed;
    if (next != output && !closed) {
      output = next;
      out.accept(next);
    }
  }

  private void cancelRelease() {
    if (release != null) {
      release.cancel();
      release = null;
    }
  }

  void close() {
    closed = true;
    cancelRelease();
  }

  /** The ceiling on the penalty: the value that decays to {@code reuse} in exactly {@code maxSuppressMs}. */
  static double ceiling(DampeningConfig c) {
    return c.reuse() * Math.pow(2, (double) c.maxSuppressMs() / c.halfLifeMs());
  }

  private static double decayed(Sample s, long now, DampeningConfig c) {
    if (c == null || s.value() == 0) {
      return 0;
    }
    return s.value() * Math.pow(2, -(double) Math.max(0, now - s.atMs()) / c.halfLifeMs());
  }

  /** The current penalty (decayed to now); safe from any thread. */
  double penalty() {
    DampeningConfig c = config;
    return decayed(sample, clock.nowMs(), c);
  }

  /** Whether the output is held down by dampening; safe from any thread. */
  boolean suppressed() {
    return suppressed;
  }

  boolean output() {
    return output;
  }

  /** Transitions to down seen while dampening was on. */
  long flaps() {
    return flaps;
  }

  /** Flaps that came while the link was already suppressed: the frontend never saw them. */
  long flapsSuppressed() {
    return flapsSuppressed;
  }

  /** How many times the link became suppressed. */
  long suppressions() {
    return suppressions;
  }
}
