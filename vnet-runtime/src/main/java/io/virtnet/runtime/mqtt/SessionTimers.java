package io.virtnet.runtime.mqtt;

import io.vertx.core.Vertx;

/** The clock and timers the session's parts use, so that each can be tested on a fake clock. */
interface SessionTimers {
  /** Monotonic time in nanoseconds. */
  long nanoTime();

  /** Runs {@code task} once after {@code delayMs}, on the context that asked. */
  void schedule(long delayMs, Runnable task);

  /** Vert.x timers and {@link System#nanoTime()}. */
  static SessionTimers of(Vertx vertx) {
    return new SessionTimers() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void schedule(long delayMs, Runnable task) {
        vertx.setTimer(Math.max(1, delayMs), id -> task.run());
      }
    };
  }
}
