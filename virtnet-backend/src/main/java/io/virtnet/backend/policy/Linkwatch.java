package io.virtnet.backend.policy;

/**
 * The kernel's linkwatch (net/core/link_watch.c) for one device: a change to up while the reported
 * status is down is urgent and reported at once ({@code linkwatch_urgent_event}); every other change
 * is coalesced to at most one report per interval ({@code linkwatch_schedule_work}: the first
 * immediately when no non-urgent report went out within the interval), and that report carries the
 * state current when it fires, never a queue of edges. A change undone before its report fires is
 * dropped. An interval of 0 turns coalescing off. Not thread-safe: use it from one context.
 */
public final class Linkwatch {
  /** Receives reports. {@code changed} is false for a refresh that carries no status change. */
  @FunctionalInterface
  public interface Sink {
    void report(boolean up, boolean changed);
  }

  private long intervalMs;
  private final PolicyClock clock;
  private final Sink sink;

  private boolean desired;
  private boolean reported;
  private PolicyClock.Timer pending;
  private int edgesInPending;
  private boolean refresh;
  private boolean everNonUrgent;
  private long lastNonUrgentMs;
  private boolean closed;

  private long eventsSeen;
  private long reports;
  private long coalesced;

  public Linkwatch(long intervalMs, PolicyClock clock, Sink sink) {
    if (intervalMs < 0) {
      throw new IllegalArgumentException("interval must be >= 0");
    }
    this.intervalMs = intervalMs;
    this.clock = clock;
    this.sink = sink;
  }

  /**
   * A new interval; a pending report is re-timed against it (the last non-urgent report stays where it
   * was), so it may go out at once.
   */
  public void setInterval(long ms) {
    if (ms < 0) {
      throw new IllegalArgumentException("interval must be >= 0");
    }
    intervalMs = ms;
    if (pending != null && !closed) {
      pending.cancel();
      pending = null;
      scheduleNonUrgent();
    }
  }

  /** The desired state changed (or not: repeated inputs are ignored). */
  public void input(boolean up) {
    if (closed || up == desired) {
      return;
    }
    desired = up;
    eventsSeen++;
    if (intervalMs == 0) {
      cancelPending();
      if (!(up && !reported)) {
        // still a non-urgent report: a later, longer interval counts from it
        markNonUrgent();
      }
      emit(true);
      return;
    }
    if (up && !reported) {
      // as linkwatch_urgent_event: carrier coming up minimises down-time, no delay. It does not
      // move the non-urgent deadline (urgent-only runs leave linkwatch_nextevent alone).
      cancelPending();
      emit(true);
      return;
    }
    if (up == reported) {
      // back where the last report left it before the pending one fired: nothing to say
      if (pending != null && !refresh) {
        pending.cancel();
        pending = null;
        coalesced += edgesInPending + 1;
        edgesInPending = 0;
      } else {
        coalesced++;
      }
      return;
    }
    edgesInPending++;
    scheduleNonUrgent();
  }

  /**
   * Asks for a report of the current state at the next non-urgent slot although the status did not
   * change (another config field did); merges with any pending report.
   */
  public void refresh() {
    if (closed) {
      return;
    }
    if (intervalMs == 0) {
      markNonUrgent();
      sink.report(reported, false);
      reports++;
      return;
    }
    refresh = true;
    scheduleNonUrgent();
  }

  /** Reports {@code up} at once, bypassing the interval (carrier-notify turned back on: re-sync). */
  public void resync(boolean up) {
    if (closed) {
      return;
    }
    if (up != desired) {
      eventsSeen++;
    }
    desired = up;
    boolean hadRefresh = refresh;
    cancelPending();
    if (up != reported) {
      emit(true);
    } else if (hadRefresh) {
      reports++;
      sink.report(reported, false);
    }
  }

  private void scheduleNonUrgent() {
    if (pending != null) {
      return;
    }
    long now = clock.nowMs();
    long delay = everNonUrgent ? lastNonUrgentMs + intervalMs - now : 0;
    if (delay <= 0) {
      fire();
    } else {
      pending = clock.schedule(delay, () -> {
        pending = null;
        fire();
      });
    }
  }

  private void markNonUrgent() {
    everNonUrgent = true;
    lastNonUrgentMs = clock.nowMs();
  }

  private void fire() {
    if (closed) {
      return;
    }
    markNonUrgent();
    int edges = edgesInPending;
    boolean wasRefresh = refresh;
    edgesInPending = 0;
    refresh = false;
    if (desired != reported) {
      coalesced += Math.max(0, edges - 1);
      emit(true);
    } else if (wasRefresh) {
      coalesced += edges;
      reports++;
      sink.report(reported, false);
    } else {
      coalesced += edges;
    }
  }

  private void emit(boolean changed) {
    reported = desired;
    reports++;
    sink.report(reported, changed);
  }

  private void cancelPending() {
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
    coalesced += edgesInPending;
    edgesInPending = 0;
    refresh = false;
  }

  /** Cancels a pending report; no report is made afterwards. */
  public void close() {
    closed = true;
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
  }

  public boolean desired() {
    return desired;
  }

  public boolean reported() {
    return reported;
  }

  public boolean hasPending() {
    return pending != null;
  }

  public long eventsSeen() {
    return eventsSeen;
  }

  public long reports() {
    return reports;
  }

  public long coalesced() {
    return coalesced;
  }
}
