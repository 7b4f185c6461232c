package io.virtnet.injector.chaos;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a soak measured: faults injected per kind, the time each round took to converge (counted for
 * every kind of the round), the rounds that ended wrong (not converged within the quiet period) and
 * the repairs the services counted. Pure; renders the RELIABILITY.md table.
 */
public final class SoakStats {
  /** A round that did not converge: its index, faults and what stayed wrong. */
  public record Wrong(int round, List<Fault> faults, List<String> divergences) {
    @Override
    public String toString() {
      return "round " + round + " " + faults + ": " + divergences;
    }
  }

  private final Map<FaultKind, Integer> injected = new EnumMap<>(FaultKind.class);
  private final Map<FaultKind, List<Long>> convergeMs = new EnumMap<>(FaultKind.class);
  private final List<Wrong> wrong = new ArrayList<>();
  private final Map<String, Long> repairs = new TreeMap<>();
  private int rounds;

  /** A round whose views converged {@code tookMs} after its last fault. */
  public void converged(Round round, long tookMs) {
    count(round);
    for (FaultKind k : round.kinds()) {
      convergeMs.computeIfAbsent(k, x -> new ArrayList<>()).add(tookMs);
    }
  }

  /** A round still wrong at the end of its quiet period. */
  public void wrong(Round round, List<String> divergences) {
    count(round);
    wrong.add(new Wrong(round.index(), round.faults(), List.copyOf(divergences)));
  }

  private void count(Round round) {
    rounds++;
    round.faults().forEach(f -> injected.merge(f.kind(), 1, Integer::sum));
  }

  /** Sets the repairs counted, kind → total over every run of the services. */
  public void repairs(Map<String, Long> totals) {
    repairs.clear();
    repairs.putAll(totals);
  }

  public int rounds() {
    return rounds;
  }

  public List<Wrong> wrongFinalStates() {
    return List.copyOf(wrong);
  }

  public int injected(FaultKind k) {
    return injected.getOrDefault(k, 0);
  }

  /** The median (nearest rank, lower) of the kind's times to converge, or -1 when none. */
  public long p50(FaultKind k) {
    List<Long> t = sorted(k);
    return t.isEmpty() ? -1 : t.get((t.size() - 1) / 2);
  }

  public long max(FaultKind k) {
    List<Long> t = sorted(k);
    return t.isEmpty() ? -1 : t.get(t.size() - 1);
  }

  private List<Long> sorted(FaultKind k) {
    List<Long> t = new ArrayList<>(convergeMs.getOrDefault(k, List.of()));
    t.sort(null);
    return t;
  }

  /** The report as Markdown: one row per kind injected, the wrong final states and the repairs. */
  public String table() {
    StringBuilder b = new StringBuilder();
    b.append("| fault kind | injected | converged: p50 ms | max ms | wrong final states |\n");
    b.append("|---|---:|---:|---:|---:|\n");
    for (FaultKind k : FaultKind.values()) {
      if (injected(k) == 0) {
        continue;
      }
      long w = wrong.stream().filter(x -> x.faults().stream().anyMatch(f -> f.kind() == k)).count();
      b.append(String.format("| %s | %d | %s | %s | %d |%n", k.label(), injected(k), ms(p50(k)), ms(max(k)), w));
    }
    b.append(String.format("%nrounds: %d, wrong final states: %d%n", rounds, wrong.size()));
    if (!repairs.isEmpty()) {
      b.append("\nrepairs counted (vnet_repairs_total by kind):");
      repairs.forEach((k, n) -> b.append(' ').append(k).append('=').append(n));
      b.append('\n');
    }
    wrong.forEach(w -> b.append("WRONG ").append(w).append('\n'));
    return b.toString();
  }

  private static String ms(long v) {
    return v < 0 ? "–" : String.valueOf(v);
  }
}
