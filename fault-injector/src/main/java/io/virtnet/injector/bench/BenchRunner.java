package io.virtnet.injector.bench;

import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Runs one flap scenario against a running stack and, in the same run and through the same broker,
 * against the {@link BareRelay}: first our path (warm-up, measurement, settle), then the bare relay
 * (the same). {@code cpuNanos} (may be null) reads the CPU time spent by whatever should be charged
 * (the stack's JVM, plus an external broker's process).
 */
public final class BenchRunner {
  /** How long the last change may take to reach every instance after the run. */
  public static final Duration SETTLE = Duration.ofSeconds(15);

  private BenchRunner() {}

  /** What one scenario measured on both paths. */
  public record FlapResult(FlapRun.Measurement ours, FlapRun.Measurement bare, double oursCpuSeconds,
      double bareCpuSeconds, double prepareSeconds, long unpairedViews) {}

  /** Waits until the stack shows every instance with carrier on; returns the seconds it took. */
  public static double ready(BenchScenario s, BrokerSettings broker, Topics topics, Duration timeout) {
    try (InjectorClient pub = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        InjectorClient obs = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT)) {
      return new StackPath(s, topics, pub, obs).prepare(timeout).toMillis() / 1000.0;
    }
  }

  public static FlapResult flaps(BenchScenario s, BrokerSettings broker, Topics topics, PrintWriter log,
      LongSupplier cpuNanos, Duration readyTimeout) {
    FlapRun.Measurement ours;
    double oursCpu;
    double prepare;
    long unpaired;
    try (InjectorClient pub = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        InjectorClient obs = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT)) {
      StackPath path = new StackPath(s, topics, pub, obs);
      prepare = path.prepare(readyTimeout).toMillis() / 1000.0;
      log.printf(Locale.ROOT, "  stack ready in %.1f s; ours from %s: %s s warm-up + %s s measured%n", prepare,
          java.time.LocalTime.now(), s.warmup().toSeconds(), s.measure().toSeconds());
      log.flush();
      long c0 = cpuNanos == null ? 0 : cpuNanos.getAsLong();
      ours = path.run(SETTLE);
      oursCpu = cpuNanos == null ? Double.NaN : (cpuNanos.getAsLong() - c0) / 1e9;
      unpaired = path.unpaired();
    }
    log.println("  ours: " + line(ours) + " (until " + java.time.LocalTime.now() + ")");
    log.flush();
    FlapRun.Measurement bare;
    double bareCpu;
    try (BareRelay relay = new BareRelay(s, broker, "bench/bare/" + Long.toHexString(System.nanoTime()))) {
      long c0 = cpuNanos == null ? 0 : cpuNanos.getAsLong();
      bare = relay.run(SETTLE);
      bareCpu = cpuNanos == null ? Double.NaN : (cpuNanos.getAsLong() - c0) / 1e9;
    }
    log.println("  bare: " + line(bare));
    log.flush();
    return new FlapResult(ours, bare, oursCpu, bareCpu, prepare, unpaired);
  }

  static String line(FlapRun.Measurement m) {
    Latencies.Summary l = m.latency();
    return String.format(Locale.ROOT,
        "p50 %.3f ms, p90 %.3f, p99 %.3f, p99.9 %.3f, max %.3f (%d samples); %d commands, %.0f events/s, "
            + "missed %d, duplicates %d, stalls %d, wrong final states %d",
        l.p50(), l.p90(), l.p99(), l.p999(), l.max(), l.samples(), m.commands(), m.eventsPerSec(), m.missed(),
        m.duplicates(), m.stalls(), m.wrongFinalStates());
  }
}
