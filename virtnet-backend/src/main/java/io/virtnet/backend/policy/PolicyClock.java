package io.virtnet.backend.policy;

import io.vertx.core.Vertx;

/**
 * Time and one-shot timers for the link policy, injectable so the policy is tested with a fake clock.
 * Implementations run tasks on the context that scheduled them.
 */
public interface PolicyClock {
  /** A monotonic time in milliseconds. */
  long nowMs();

  /** Runs {@code task} once after {@code delayMs} (at least 1 ms). */
  Timer schedule(long delayMs, Runnable task);

  /** A scheduled task. */
  interface Timer {
    /** Cancels the task if it has not run yet; idempotent. */
    void cancel();
  }

  /** Vert.x timers on the calling context and {@link System#nanoTime()}. */
  static PolicyClock of(Vertx vertx) {
    return new PolicyClock() {
      @Override
      public long nowMs() {
        return System.nanoTime() / 1_000_000L;
      }

      @Override
      public Timer schedule(long delayMs, Runnable task) {
        long id = vertx.setTimer(Math.max(1, delayMs), t -> task.run());
        return () -> vertx.cancelTimer(id);
      }
    };
  }
}
