package io.virtnet.injector.chaos;

import java.util.List;
import java.util.Map;

/**
 * One round of the soak: its faults in the order of their {@code atMs}, then the carrier each PHY is
 * left with (the truth the views must converge to), then a quiet period in which the checker runs.
 */
public record Round(int index, List<Fault> faults, Map<String, Boolean> finalCarriers) {
  public Round {
    faults = List.copyOf(faults);
    finalCarriers = Map.copyOf(finalCarriers);
  }

  /** The kinds of this round, in order, without repeats. */
  public List<FaultKind> kinds() {
    return faults.stream().map(Fault::kind).distinct().toList();
  }

  /** The process or broker fault of this round, if any (at most one). */
  public java.util.Optional<Fault> disruptive() {
    return faults.stream().filter(f -> f.kind().disruptive()).findFirst();
  }
}
