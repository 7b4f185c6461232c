package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Runs one flap scenario against a running stack and, in the same run and through the same broker,
 * against the {@link BareRelay}, in alternating rounds (warm-up, measurement, settle each). {@code cpuNanos} (may be null) reads the CPU time spent by whatever should be charged
 * (the stack's JVM, plus an external broker's process).
 */
public final class BenchRunner {
  /** How long the last change may take to reach every instance after the run. */
  public static final Duration SETTLE = Duration.ofSeconds(15);
  /** Warm-up of every measured round of a paced scenario: the JIT is warm, the pacer and queues need a moment. */
  public static final Duration ROUND_WARMUP = Duration.ofSeconds(1);
  /** The second warm-up of each path, after the other path's first (the idle path's keep-alives); at most the first's. */
  public static final Duration REWARMUP = Duration.ofSeconds(10);
  /** Rounds per path by default. */
  public static final int DEFAULT_ROUNDS = 5;

  private BenchRunner() {}

  /**
   * How {@link #flaps} measures: how long the stack may take to show every carrier on, the alternating
   * rounds per path, and whether the bare relay also writes a config per instance (see {@link BareRelay}).
   */
  public record FlapOptions(Duration readyTimeout, int rounds, boolean bareConfigWrites, BrokerCounters counters) {
    public FlapOptions {
      if (rounds < 1) {
        throw new IllegalArgumentException("rounds must be at least 1, got " + rounds);
      }
    }
  }

  /** What one scenario measured on both paths. */
  public record FlapResult(FlapRun.Measurement ours, FlapRun.Measurement bare, double oursCpuSeconds,
      double bareCpuSeconds, double prepareSeconds, long unpairedViews, boolean bareConfigWrites,
      BrokerLoad oursLoad, BrokerLoad bareLoad) {}

  /**
   * What one path's last round cost the broker by its own counters ({@code source}): PUBLISH packets
   * received and sent, against the link views that round delivered (warm-up and settling included).
   */
  public record BrokerLoad(String source, BrokerCounters.Counts counts, long views) {
    public double publishesPerView() {
      return views == 0 ? Double.NaN : (double) counts.publishesIn() / views;
    }

    public double deliveriesPerView() {
      return views == 0 ? Double.NaN : (double) counts.publishesOut() / views;
    }
  }

  /** Waits until the stack shows every instance with carrier on; returns the seconds it took. */
  public static double ready(BenchScenario s, BrokerSettings broker, Topics topics, Duration timeout) {
    try (InjectorClient pub = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        InjectorClient obs = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        StackPath path = new StackPath(s, topics, pub, obs)) {
      return path.prepare(timeout).toMillis() / 1000.0;
    }
  }

  /**
   * Measures both paths in {@code options.rounds()} alternating rounds (ours, bare, ours, bare…), each measuring
   * {@code measure / rounds}, and pools each path's samples. Run one after the other, a path measured
   * in a quiet moment and the other in a noisy one gave p99 ratios from 0.7 to 2.2 for the same code;
   * alternating exposes both to the same conditions. A paced scenario first warms up both paths twice
   * (full warm-up, then {@link #REWARMUP}) and then warms each round up for {@link #ROUND_WARMUP} at the
   * rate; a closed-loop scenario (rate 0, throughput) runs one continuous round per path after its
   * warm-up. Every round of ours starts with every PHY's carrier on (the stack is re-prepared). Both
   * paths keep their clients for all rounds: fresh clients every round made HiveMQ deoptimize its
   * publish path right before each measurement (JFR), a tail that belongs to neither path.
   */
  public static FlapResult flaps(BenchScenario s, BrokerSettings broker, Topics topics, PrintWriter log,
      LongSupplier cpuNanos, FlapOptions options) {
    int rounds = options.rounds();
    boolean bareConfigWrites = options.bareConfigWrites();
    Duration readyTimeout = options.readyTimeout();
    if (s.rate() == 0 && rounds > 1) {
      // a closed loop is about sustained throughput: every round would restart it empty and ramp up
      // again (5 rounds of 2 s measured 19,100-19,400/s where one 10 s round measured 20,700-24,200/s)
      rounds = 1;
    }
    List<FlapRun.Measurement> ours = new ArrayList<>();
    List<FlapRun.Measurement> bare = new ArrayList<>();
    double[] cpu = new double[2];
    double prepare = 0;
    long unpaired = 0;
    BrokerLoad[] load = new BrokerLoad[2];
    Duration perRound = s.measure().dividedBy(rounds);
    log.printf(Locale.ROOT, "  %d round(s) per path, alternating, %.1f s measured each (warm-up %d s, then %d s)%n",
        rounds, perRound.toMillis() / 1000.0, s.warmup().toSeconds(), ROUND_WARMUP.toSeconds());
    try (InjectorClient pub = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        InjectorClient obs = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
        BareRelay relay = new BareRelay(s, broker, "bench/bare/" + Long.toHexString(System.nanoTime()),
            bareConfigWrites);
        StackPath path = new StackPath(s, topics, pub, obs)) {
      boolean paced = s.rate() > 0;
      if (paced) {
        // Both paths warm up before either is measured, twice. While one path runs, the other idles, and
        // its idle MQTT connections send keep-alives: a PINGREQ/PINGRESP is a packet type the compiled
        // codecs (vertx-mqtt's and the broker's) had not seen, so they deoptimize, and were recompiled
        // during the next measurement (JFR: C2 compiles of MqttDecoder, MqttEncoder, MqttSession
        // exactly at the slow samples). The second pass recompiles them with the idle time in the profile,
        // as in a deployment that idles between link changes.
        for (int pass = 0; pass < 2; pass++) {
          double ready = path.prepare(readyTimeout).toMillis() / 1000.0;
          if (pass == 0) {
            prepare = ready;
            log.printf(Locale.ROOT, "  stack ready in %.1f s; warm-up of both paths, twice, from %s%n", ready, java.time.LocalTime.now());
            log.flush();
          }
          BenchScenario warmup = s.withTimes(pass == 0 ? s.warmup() : rewarmup(s), Duration.ZERO);
          path.run(warmup, SETTLE, true);
          relay.run(warmup, SETTLE, true);
        }
      }
      for (int r = 0; r < rounds; r++) {
        BenchScenario round = s.withTimes(paced ? ROUND_WARMUP : s.warmup(), perRound);
        double ready = path.prepare(readyTimeout).toMillis() / 1000.0;
        if (!paced) {
          prepare = ready;
          log.printf(Locale.ROOT, "  stack ready in %.1f s; measuring from %s%n", ready, java.time.LocalTime.now());
          log.flush();
        }
        // the broker's own counters around the last round of each path (Mosquitto's take a $SYS interval to read)
        BrokerCounters counters = r == rounds - 1 ? options.counters() : null;
        BrokerCounters.Counts before = counters == null ? null : counters.read();
        long c0 = cpuNanos == null ? 0 : cpuNanos.getAsLong();
        ours.add(path.run(round, SETTLE, !paced));
        cpu[0] += cpuNanos == null ? Double.NaN : (cpuNanos.getAsLong() - c0) / 1e9;
        if (counters != null) {
          BrokerCounters.Counts after = counters.read();
          load[0] = new BrokerLoad(counters.source(), after.minus(before), ours.get(r).viewsInRun());
          before = after;
        }
        c0 = cpuNanos == null ? 0 : cpuNanos.getAsLong();
        bare.add(relay.run(round, SETTLE, !paced));
        cpu[1] += cpuNanos == null ? Double.NaN : (cpuNanos.getAsLong() - c0) / 1e9;
        if (counters != null) {
          load[1] = new BrokerLoad(counters.source(), counters.read().minus(before), bare.get(r).viewsInRun());
        }
      }
      unpaired = path.unpaired();
    }
    FlapRun.Measurement o = FlapRun.Measurement.pool(ours);
    FlapRun.Measurement b = FlapRun.Measurement.pool(bare);
    log.println("  ours: " + line(o) + " (until " + java.time.LocalTime.now() + ")");
    log.println((bareConfigWrites ? "  bare+config writes: " : "  bare: ") + line(b));
    if (load[0] != null) {
      log.println("  broker's own counters (" + load[0].source() + "), last round: ours " + line(load[0]) + "; bare "
          + line(load[1]));
    }
    log.flush();
    return new FlapResult(o, b, cpu[0], cpu[1], prepare, unpaired, bareConfigWrites, load[0], load[1]);
  }

  static Duration rewarmup(BenchScenario s) {
    return s.warmup().compareTo(REWARMUP) < 0 ? s.warmup() : REWARMUP;
  }

  static String line(BrokerLoad l) {
    return String.format(Locale.ROOT, "%.2f publishes and %.2f deliveries per view (%d in, %d out, %d views)",
        l.publishesPerView(), l.deliveriesPerView(), l.counts().publishesIn(), l.counts().publishesOut(), l.views());
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
