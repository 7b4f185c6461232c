package io.virtnet.frontend.driver;

import static io.virtnet.protocol.VirtioNetConfig.generationAtOrAfter;

import io.virtnet.protocol.VirtioNetConfig.Generational;

/**
 * Decides when a driver may act on a config, given that MQTT orders messages per topic only, so a
 * config and the IRQ announcing it arrive in either order. A retained config (fresh subscription:
 * probe or resync) is applied at once, as {@code virtnet_probe} reads config space; a live config is
 * held until an IRQ announcing its generation (or an older one) is handled; an IRQ whose config has
 * not arrived waits for it. A config older than the IRQ being handled is never returned. Generations
 * compare with serial-number arithmetic. Pure logic, no I/O.
 */
public final class ConfigSequencer {
  private Generational stored;
  private boolean hasPending;
  private long pendingIrq;
  private boolean hasApplied;
  private long applied;

  /** A retained config: returned (to apply now) unless it is older than what is already applied. */
  public Generational onRetainedConfig(Generational c) {
    if (hasApplied && !generationAtOrAfter(c.generation(), applied)) {
      return null;
    }
    return c;
  }

  /** A live config: kept as the newest candidate; returned when an IRQ already waits for it. */
  public Generational onLiveConfig(Generational c) {
    if (hasApplied && !after(c.generation(), applied)) {
      return null; // a duplicate or an old write: nothing new
    }
    if (stored == null || after(c.generation(), stored.generation())) {
      stored = c;
    }
    if (hasPending && generationAtOrAfter(stored.generation(), pendingIrq)) {
      return stored;
    }
    return null;
  }

  /** An IRQ announcing {@code generation}: returns the stored config if it is recent enough, else waits. */
  public Generational onIrq(long generation) {
    if (stored != null && generationAtOrAfter(stored.generation(), generation)) {
      return stored;
    }
    if (hasApplied && generationAtOrAfter(applied, generation)) {
      return null; // already showing that generation or a later one
    }
    if (!hasPending || after(generation, pendingIrq)) {
      pendingIrq = generation;
      hasPending = true;
    }
    return null;
  }

  /** Records that {@code generation} was applied; settles the IRQs and drops the configs it covers. */
  public void applied(long generation) {
    hasApplied = true;
    applied = generation;
    if (hasPending && generationAtOrAfter(generation, pendingIrq)) {
      hasPending = false;
    }
    if (stored != null && !after(stored.generation(), generation)) {
      stored = null;
    }
  }

  /** The generation an IRQ announced whose config has not arrived yet, or -1. */
  public long pendingIrqGeneration() {
    return hasPending ? pendingIrq : -1;
  }

  /** The generation of the live config held for an IRQ, or -1. */
  public long storedGeneration() {
    return stored == null ? -1 : stored.generation();
  }

  /** The generation last applied, or -1. */
  public long appliedGeneration() {
    return hasApplied ? applied : -1;
  }

  private static boolean after(long a, long b) {
    return a != b && generationAtOrAfter(a, b);
  }
}
