package io.virtnet.runtime.mqtt;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A clock that moves only when the test says so; due tasks run in {@link #advance}. */
final class FakeTimers implements SessionTimers {
  private record Task(long dueNanos, Runnable action) {}

  private final List<Task> tasks = new ArrayList<>();
  private long now = 1_000_000_000L;

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public void schedule(long delayMs, Runnable task) {
    tasks.add(new Task(now + delayMs * 1_000_000L, task));
  }

  /** Moves the clock by {@code ms}, running every task that falls due, in order. */
  void advance(long ms) {
    long until = now + ms * 1_000_000L;
    while (true) {
      Task next = tasks.stream().filter(t -> t.dueNanos <= until).min(Comparator.comparingLong(Task::dueNanos)).orElse(null);
      if (next == null) {
        break;
      }
      tasks.remove(next);
      now = Math.max(now, next.dueNanos);
      next.action.run();
    }
    now = until;
  }

  int pending() {
    return tasks.size();
  }
}
