package io.virtnet.injector.chaos;

import java.util.Objects;

/**
 * One fault of a round: its kind, what it targets (an instance, a PHY or a service, by name) and when
 * it is injected, in milliseconds from the round's start. {@code amount} is the flap count of a storm
 * (0 for the other kinds).
 */
public record Fault(FaultKind kind, String target, long atMs, int amount) {
  public Fault {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(target, "target");
    if (atMs < 0 || amount < 0) {
      throw new IllegalArgumentException("atMs and amount must be >= 0");
    }
  }

  @Override
  public String toString() {
    return kind.label() + "(" + target + (amount > 0 ? " x" + amount : "") + " @" + atMs + "ms)";
  }
}
