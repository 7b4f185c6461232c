package io.virtnet.backend.policy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A manual clock: time moves only in {@link #advance(long)}, which runs the timers that fell due. */
public final class FakeClock implements PolicyClock {
  private long now = 1_000_000;
  private long seq;
  private final List<Task> tasks = new ArrayList<>();

  private final class Task implements Timer {
    final long due;
    final long order = seq++;
    final Runnable run;
    boolean cancelled;

    Task(long due, Runnable run) {
      this.due = due;
      this.run = run;
    }

    @Override
    public void cancel() {
      cancelled = true;
      tasks.remove(this);
    }
  }

  @Override
  public long nowMs() {
    return now;
  }

  @Override
  public Timer schedule(long delayMs, Runnable task) {
    Task t = new Task(now + Math.max(1, delayMs), task);
    tasks.add(t);
    return t;
  }

  public void advance(long ms) {
    long end = now + ms;
    while (true) {
      Task next = tasks.stream().filter(t -> t.due <= end)
          .min(Comparator.<Task>comparingLong(t -> t.due).thenComparingLong(t -> t.order)).orElse(null);
      if (next == null) {
        break;
      }
      tasks.remove(next);
      now = next.due;
      next.run.run();
    }
    now = end;
  }

  public int pending() {
    return tasks.size();
  }
}
