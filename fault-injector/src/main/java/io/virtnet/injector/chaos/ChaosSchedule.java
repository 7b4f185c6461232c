package io.virtnet.injector.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The seeded plan of a soak: round {@code i} is a pure function of (seed, kinds, stack, i), so a seed
 * reproduces the same faults in the same order however fast the machine is (only how many rounds fit
 * in the duration varies). Every {@code kinds.size()} rounds cover every kind once as the round's main
 * fault, in a seeded order; a round may add up to two lies or storms besides, never a second process
 * or broker fault.
 */
public final class ChaosSchedule {
  /** Faults of a round are spread over this window from its start. */
  public static final long DEFAULT_WINDOW_MS = 1500;
  static final int MAX_EXTRAS = 2;
  static final int MIN_FLAPS = 10;
  static final int MAX_FLAPS = 60;

  private final long seed;
  private final List<FaultKind> kinds;
  private final List<FaultKind> lies;
  private final StackModel stack;
  private final long windowMs;

  public ChaosSchedule(long seed, List<FaultKind> kinds, StackModel stack, long windowMs) {
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("no fault kind to inject");
    }
    if (windowMs < 1) {
      throw new IllegalArgumentException("window must be >= 1 ms");
    }
    this.seed = seed;
    this.kinds = List.copyOf(new java.util.LinkedHashSet<>(kinds));
    this.lies = this.kinds.stream().filter(k -> !k.disruptive()).toList();
    this.stack = stack;
    this.windowMs = windowMs;
  }

  /** Round {@code index} (0-based). */
  public Round round(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("index must be >= 0");
    }
    int cycle = index / kinds.size();
    List<FaultKind> order = new ArrayList<>(kinds);
    Collections.shuffle(order, new Random(mix(seed, -1 - cycle)));
    Random r = new Random(mix(seed, index));
    List<Fault> faults = new ArrayList<>();
    faults.add(fault(order.get(index % kinds.size()), r));
    int extras = lies.isEmpty() ? 0 : r.nextInt(MAX_EXTRAS + 1);
    for (int e = 0; e < extras; e++) {
      faults.add(fault(lies.get(r.nextInt(lies.size())), r));
    }
    faults.sort(Comparator.comparingLong(Fault::atMs));
    Map<String, Boolean> carriers = new LinkedHashMap<>();
    for (String phy : stack.phys()) {
      carriers.put(phy, r.nextInt(10) < 6); // mostly up: a down PHY hides a lost "up" less often
    }
    return new Round(index, faults, carriers);
  }

  private Fault fault(FaultKind kind, Random r) {
    long at = r.nextLong(windowMs);
    StackModel.Instance instance = stack.instances().get(r.nextInt(stack.instances().size()));
    String phy = stack.phys().get(r.nextInt(stack.phys().size()));
    return switch (kind) {
      case FLAP_STORM -> new Fault(kind, phy, at, MIN_FLAPS + r.nextInt(MAX_FLAPS - MIN_FLAPS + 1));
      case EMPTY_STATE, STALE_EVENTS -> new Fault(kind, phy, at, 0);
      case EMPTY_DEVICE, FORGED_DRIVER_FEATURES, CLEARED_REF, CLEARED_LINK -> new Fault(kind, instance.name(), at, 0);
      case KILL_AGENT -> new Fault(kind, Service.AGENT.label(), at, 0);
      case KILL_BACKEND -> new Fault(kind, Service.BACKEND.label(), at, 0);
      case KILL_FRONTEND -> new Fault(kind, Service.FRONTEND.label(), at, 0);
      case KILL_BROKER, BROKER_EMPTY_STORE -> new Fault(kind, "broker", at, 0);
    };
  }

  /** SplitMix64 of seed and index, so neighbouring seeds and rounds share no stream. */
  static long mix(long seed, long index) {
    long z = seed * 0x9E3779B97F4A7C15L + index;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  public long seed() {
    return seed;
  }

  public List<FaultKind> kinds() {
    return kinds;
  }
}
