package io.virtnet.injector.chaos;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a soak: round after round of the {@link ChaosSchedule} until the duration is spent; after each
 * round's faults it commands the round's final carriers and waits, at most the quiet period, for the
 * {@link ConvergenceChecker} to find nothing wrong for a settle time in a row. The time from the end of
 * the faults to the start of that streak is the round's time to converge; a round still wrong at the
 * end of its quiet period is a wrong final state.
 */
final class ChaosRunner {
  static final Duration POLL = Duration.ofMillis(50);
  /** Carrier commands lost while the agent or broker was away are sent again this often. */
  static final Duration RECOMMAND = Duration.ofSeconds(2);

  /** The timings of a soak. */
  record Timing(Duration duration, Duration quiet, Duration settle, long windowMs) {}

  private final ChaosSchedule schedule;
  private final ConvergenceChecker checker;
  private final RetainedObserver observer;
  private final FaultActions actions;
  private final Supplier<List<String>> deadProcesses;
  private final Runnable scrapeRepairs;
  private final Timing timing;
  private final PrintWriter out;
  private final boolean verbose;

  ChaosRunner(ChaosSchedule schedule, ConvergenceChecker checker, RetainedObserver observer, FaultActions actions,
      Supplier<List<String>> deadProcesses, Runnable scrapeRepairs, Timing timing, PrintWriter out, boolean verbose) {
    this.schedule = schedule;
    this.checker = checker;
    this.observer = observer;
    this.actions = actions;
    this.deadProcesses = deadProcesses;
    this.scrapeRepairs = scrapeRepairs;
    this.timing = timing;
    this.out = out;
    this.verbose = verbose;
  }

  /** What waiting for convergence found: the time it took, or what stayed wrong. */
  record Outcome(long tookMs, List<String> wrong) {
    boolean converged() {
      return wrong.isEmpty();
    }
  }

  /** Waits for the stack to converge before any fault (its start-up); empty when it did. */
  List<String> awaitStart(Duration bound) {
    return awaitConverged(Map.of(), Map.of(), bound).wrong();
  }

  SoakStats run(SoakStats stats) {
    long start = System.nanoTime();
    for (int i = 0; System.nanoTime() - start < timing.duration().toNanos(); i++) {
      Round round = schedule.round(i);
      long t0 = System.nanoTime();
      Map<Service, Instant> restarted = new EnumMap<>(Service.class);
      for (Fault f : round.faults()) {
        LockSupportPause.pause(Duration.ofNanos(t0 + f.atMs() * 1_000_000 - System.nanoTime()));
        if (f.kind().needs() == FaultKind.Needs.SERVICES) {
          restarted.put(Service.killedBy(f.kind()), Instant.now());
        }
        actions.inject(f);
      }
      actions.command(round.finalCarriers());
      Outcome o = awaitConverged(round.finalCarriers(), restarted, timing.quiet());
      if (o.converged()) {
        stats.converged(round, o.tookMs());
        scrapeRepairs.run();
        if (verbose) {
          println("round " + i + " " + round.faults() + " carriers " + round.finalCarriers() + ": converged in " + o.tookMs() + " ms");
        }
      } else {
        stats.wrong(round, o.wrong());
        println("round " + i + " " + round.faults() + " carriers " + round.finalCarriers() + ": WRONG after "
            + timing.quiet().toMillis() + " ms: " + o.wrong());
      }
      if (Thread.currentThread().isInterrupted()) {
        break;
      }
    }
    scrapeRepairs.run();
    return stats;
  }

  private Outcome awaitConverged(Map<String, Boolean> commanded, Map<Service, Instant> restarted, Duration bound) {
    long t0 = System.nanoTime();
    long deadline = t0 + bound.toNanos();
    long lastCommand = t0;
    long streak = -1;
    List<String> wrong = List.of("not checked");
    while (System.nanoTime() < deadline && !Thread.currentThread().isInterrupted()) {
      List<String> dead = deadProcesses.get();
      wrong = dead.isEmpty() ? checker.divergences(observer.snapshot(), commanded, restarted)
          : dead.stream().map(d -> d + " process died").toList();
      long now = System.nanoTime();
      if (wrong.isEmpty()) {
        if (streak < 0) {
          streak = now;
        }
        if (now - streak >= timing.settle().toNanos()) {
          return new Outcome((streak - t0) / 1_000_000, List.of());
        }
      } else {
        streak = -1;
        if (now - lastCommand >= RECOMMAND.toNanos() && wrong.stream().anyMatch(w -> w.contains("commanded"))) {
          actions.command(commanded);
          lastCommand = now;
        }
      }
      LockSupportPause.pause(POLL);
    }
    return streak >= 0 ? new Outcome((streak - t0) / 1_000_000, List.of()) : new Outcome(-1, wrong);
  }

  private void println(String line) {
    out.println(line);
    out.flush();
  }
}
