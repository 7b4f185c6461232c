package io.virtnet.injector;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * Spaces actions at a fixed rate without busy-waiting: the n-th {@link #acquire()} returns at
 * {@code start + n × period} (the first at once), parking the thread until then. Slots are computed
 * from the start, so pacing does not drift when one action is slow; a caller that falls behind
 * catches up at once rather than bursting beyond the schedule later.
 */
public final class Pacer {
  /** Time source and parking, replaceable in tests. */
  public interface Clock {
    long nanoTime();

    void parkNanos(long nanos);

    Clock SYSTEM = new Clock() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void parkNanos(long nanos) {
        LockSupport.parkNanos(nanos);
      }
    };
  }

  private final long periodNanos;
  private final Clock clock;
  private long start;
  private long issued;

  private Pacer(long periodNanos, Clock clock) {
    if (periodNanos < 0) {
      throw new IllegalArgumentException("period must be >= 0");
    }
    this.periodNanos = periodNanos;
    this.clock = clock;
  }

  /** At most {@code perSecond} actions per second (> 0). */
  public static Pacer ofRate(double perSecond) {
    return ofRate(perSecond, Clock.SYSTEM);
  }

  public static Pacer ofRate(double perSecond, Clock clock) {
    if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("rate must be a positive number, got " + perSecond);
    }
    return new Pacer(Math.round(1e9 / perSecond), clock);
  }

  /** One action per {@code interval}. */
  public static Pacer ofInterval(Duration interval) {
    return ofInterval(interval, Clock.SYSTEM);
  }

  public static Pacer ofInterval(Duration interval, Clock clock) {
    return new Pacer(interval.toNanos(), clock);
  }

  /** Waits for the next slot. */
  public void acquire() {
    long now = clock.nanoTime();
    if (issued == 0) {
      start = now;
    }
    long slot = start + issued * periodNanos;
    issued++;
    // parkNanos may return early (spurious wake-up): park again until the slot is reached.
    while (now < slot) {
      clock.parkNanos(slot - now);
      now = clock.nanoTime();
    }
  }

  public long periodNanos() {
    return periodNanos;
  }

  /** How many slots were handed out. */
  public long issued() {
    return issued;
  }
}
