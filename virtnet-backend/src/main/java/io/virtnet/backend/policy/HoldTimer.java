package io.virtnet.backend.policy;

/**
 * Hold-up/hold-down timers (carrier-delay, link debounce): a change of the input is passed on only once
 * it has persisted for the hold time of its direction; a change undone before that is dropped. A hold
 * time of 0 passes that direction at once. Not thread-safe: use it from one context.
 */
final class HoldTimer {
  private final PolicyClock clock;
  private final Stage.Output out;
  private long upMs;
  private long downMs;

  private boolean input;
  private boolean output;
  private PolicyClock.Timer pending;
  private long changedAtMs;
  private long debounced;
  private boolean closed;

  HoldTimer(long upMs, long downMs, PolicyClock clock, Stage.Output out) {
    this.upMs = upMs;
    this.downMs = downMs;
    this.clock = clock;
    this.out = out;
  }

  void input(boolean up) {
    if (closed || up == input) {
      return;
    }
    input = up;
    if (up == output) {
      // the change was undone within its hold time: it never happened downstream
      if (pending != null) {
        pending.cancel();
        pending = null;
        debounced++;
      }
      return;
    }
    changedAtMs = clock.nowMs();
    arm();
  }

  /** New hold times; a pending change keeps its start and is re-armed with the new duration. */
  void configure(long newUpMs, long newDownMs) {
    upMs = newUpMs;
    downMs = newDownMs;
    if (pending != null) {
      pending.cancel();
      pending = null;
      arm();
    }
  }

  /** Sets input and output to {@code up} at once, dropping a pending change (no output call). */
  void force(boolean up) {
    cancel();
    input = up;
    output = up;
  }

  private void arm() {
    long hold = input ? upMs : downMs;
    long remaining = changedAtMs + hold - clock.nowMs();
    if (remaining <= 0) {
      pass();
    } else {
      pending = clock.schedule(remaining, () -> {
        pending = null;
        pass();
      });
    }
  }

  private void pass() {
    if (closed || output == input) {
      return;
    }
    output = input;
    out.accept(output);
  }

  private void cancel() {
    if (pending != null) {
      pending.cancel();
      pending = null;
    }
  }

  void close() {
    closed = true;
    cancel();
  }

  boolean output() {
    return output;
  }

  boolean hasPending() {
    return pending != null;
  }

  /** Changes dropped because they did not persist for their hold time. */
  long debounced() {
    return debounced;
  }
}
