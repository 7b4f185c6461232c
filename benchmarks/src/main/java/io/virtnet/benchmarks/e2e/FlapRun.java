package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.Pacer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The driver and bookkeeper of one measured run, whatever carries the messages: it sends carrier
 * change {@code k} of each PHY (off for even {@code k}, on for odd, starting from carrier on), is told
 * of every delivery ({@code instance} showed change {@code k} at {@code nanoTime}), and keeps the
 * latency of every change sent after the warm-up. With a rate, changes go out on a fixed schedule,
 * round-robin over the PHYs in a seeded order; without one (closed loop), a PHY's next change goes
 * out as soon as every instance watching it showed the previous one. Thread-safe.
 */
public final class FlapRun {
  /** Publishes change {@code k} ({@code value} = carrier on) of PHY {@code phy}. */
  @FunctionalInterface
  public interface Sender {
    void send(int phy, int k, boolean value);
  }

  static final double WARMUP_SPEEDUP = 50;
  static final double WARMUP_MAX_EVENTS_PER_SEC = 10_000;
  /** A closed-loop change not seen everywhere within this is given up on (counted) and the next one sent. */
  static final long STALL_NANOS = TimeUnit.SECONDS.toNanos(2);

  private final BenchScenario scenario;
  private final Sender sender;
  private final boolean closedLoop;
  private final long[][] sendNanos;
  private final int[][] seen;
  private final int[] sent;
  private final int[] lastK;
  private final boolean[] carrier;
  private final Latencies latencies = new Latencies();
  private long measureStart = Long.MAX_VALUE;
  private long measureEnd = Long.MAX_VALUE;
  private boolean stopped;
  private long delivered;
  private long viewsInRun;
  private long duplicates;
  private long stalls;
  private long commandsMeasured;
  private final boolean jitWarmup;

  /**
   * {@code jitWarmup}: the first half of the warm-up runs faster (the JIT is cold); the measured rounds
   * warm up at the rate, as a burst there only fills the young generation and moves a GC pause into
   * the window.
   */
  public FlapRun(BenchScenario scenario, Sender sender, boolean jitWarmup) {
    this.scenario = scenario;
    this.sender = sender;
    this.jitWarmup = jitWarmup;
    this.closedLoop = scenario.rate() == 0;
    int p = scenario.phys();
    this.sendNanos = new long[p][256];
    this.seen = new int[p][256];
    this.sent = new int[p];
    this.lastK = new int[scenario.instances()];
    Arrays.fill(lastK, -1);
    this.carrier = new boolean[scenario.instances()];
    Arrays.fill(carrier, true);
  }

  /** Change {@code k}'s carrier: the run starts from carrier on, so change 0 turns it off. */
  public static boolean value(int k) {
    return k % 2 == 1;
  }

  /** {@code instance} showed change {@code k} of its PHY, received at {@code recvNanos}. */
  public void delivered(int instance, int k, long recvNanos, boolean carrierNow) {
    int next = -1;
    int p = scenario.phyOf(instance);
    synchronized (this) {
      if (k <= lastK[instance]) {
        duplicates++;
        return;
      }
      if (k >= sent[p]) {
        return; // not ours (cannot happen when pairing is right)
      }
      lastK[instance] = k;
      viewsInRun++;
      carrier[instance] = carrierNow;
      long s = sendNanos[p][k];
      int count = ++seen[p][k];
      if (s >= measureStart && s < measureEnd) {
        latencies.add(recvNanos - s);
        delivered++;
      }
      if (closedLoop && !stopped && k == sent[p] - 1 && count == scenario.fanout(p)) {
        next = reserve(p, System.nanoTime());
      }
    }
    if (next >= 0) {
      sender.send(p, next, value(next));
    }
  }

  /**
   * {@code instance} shows {@code carrierNow}, whatever change caused it: what its last view shows is
   * its final state, also when that view cannot be paired with a command (a repair after a stall
   * republishes config and view; seen in CI as one wrong final state of a converged stack).
   */
  public synchronized void shown(int instance, boolean carrierNow) {
    carrier[instance] = carrierNow;
  }

  /** Records the send of PHY {@code p}'s next change; returns its {@code k}. Caller holds the lock. */
  private int reserve(int p, long now) {
    int k = sent[p];
    if (k == sendNanos[p].length) {
      sendNanos[p] = Arrays.copyOf(sendNanos[p], k * 2);
      seen[p] = Arrays.copyOf(seen[p], k * 2);
    }
    sendNanos[p][k] = now;
    sent[p] = k + 1;
    if (now >= measureStart && now < measureEnd) {
      commandsMeasured++;
    }
    return k;
  }

  private void sendNext(int p) {
    int k;
    synchronized (this) {
      if (stopped) {
        return;
      }
      k = reserve(p, System.nanoTime());
    }
    sender.send(p, k, value(k));
  }

  /** Changes per second in the first half of a paced warm-up: 50 times the rate, at most 10,000 link events/s. */
  static double warmupRate(BenchScenario s) {
    double fanout = (double) s.instances() / s.phys();
    return Math.max(s.rate(), Math.min(s.rate() * WARMUP_SPEEDUP, WARMUP_MAX_EVENTS_PER_SEC / fanout));
  }

  /**
   * Warm-up, then measurement, then waits (at most {@code settle}) for every instance to show its
   * PHY's last change. Blocks the calling thread.
   */
  public Measurement run(long settleNanos) {
    long t0 = System.nanoTime();
    synchronized (this) {
      measureStart = t0 + scenario.warmup().toNanos();
      measureEnd = measureStart + scenario.measure().toNanos();
    }
    long end = measureEnd;
    if (closedLoop) {
      for (int p = 0; p < scenario.phys(); p++) {
        sendNext(p);
      }
      while (System.nanoTime() < end) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        restartStalled();
      }
    } else {
      List<Integer> order = new ArrayList<>();
      for (int p = 0; p < scenario.phys(); p++) {
        order.add(p);
      }
      Collections.shuffle(order, new Random(scenario.seed()));
      // JIT warm-up: at 100 changes/s a 10 s warm-up reaches few C2 thresholds, and the stack runs far
      // more code than a bare relay, so it was still compiling while measured, and its p99 showed the
      // compiler (4-5 ms; 1.1 ms after a 40 s warm-up; JFR put compilations of our methods at the slow
      // samples). The first half of the warm-up runs faster, the second at the rate, so queues drain
      // before the measurement starts.
      long fastUntil = t0 + scenario.warmup().toNanos() / 2;
      boolean fast = jitWarmup;
      Pacer pacer = Pacer.ofRate(fast ? warmupRate(scenario) : scenario.rate());
      for (long i = 0; System.nanoTime() < end; i++) {
        if (fast && System.nanoTime() >= fastUntil) {
          fast = false;
          pacer = Pacer.ofRate(scenario.rate());
        }
        pacer.acquire();
        sendNext(order.get((int) (i % order.size())));
      }
    }
    synchronized (this) {
      stopped = true;
    }
    long deadline = System.nanoTime() + settleNanos;
    while (wrongFinalStates() > 0 && System.nanoTime() < deadline) {
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    return measurement();
  }

  private void restartStalled() {
    long now = System.nanoTime();
    List<Integer> late = new ArrayList<>();
    synchronized (this) {
      for (int p = 0; p < scenario.phys(); p++) {
        int k = sent[p] - 1;
        if (k >= 0 && now - sendNanos[p][k] > STALL_NANOS && seen[p][k] < scenario.fanout(p)) {
          stalls++;
          late.add(p);
        }
      }
    }
    late.forEach(this::sendNext);
  }

  /** Instances whose last view does not show their PHY's last change. */
  public synchronized int wrongFinalStates() {
    int wrong = 0;
    for (int i = 0; i < lastK.length; i++) {
      int p = scenario.phyOf(i);
      boolean want = sent[p] == 0 || value(sent[p] - 1);
      if (carrier[i] != want) {
        wrong++;
      }
    }
    return wrong;
  }

  private synchronized Measurement measurement() {
    long missed = 0;
    for (int p = 0; p < scenario.phys(); p++) {
      for (int k = 0; k < sent[p]; k++) {
        long s = sendNanos[p][k];
        if (s >= measureStart && s < measureEnd) {
          missed += Math.max(0, scenario.fanout(p) - seen[p][k]);
        }
      }
    }
    double seconds = scenario.measure().toNanos() / 1e9;
    return new Measurement(latencies, commandsMeasured, delivered, seconds, missed, duplicates, stalls, wrongFinalStates(),
        viewsInRun);
  }

  /**
   * What a run measured: latency from the PHY command to the delivery, changes sent and link events
   * delivered within the measurement window, events per second, deliveries never seen ({@code missed},
   * e.g. coalesced), repeated deliveries, closed-loop stalls, instances not showing the final state,
   * and every view delivered in the run, warm-up and settling included ({@code viewsInRun}: what the
   * broker's own counters over the whole run are divided by).
   */
  public record Measurement(Latencies samples, long commands, long delivered, double seconds, long missed,
      long duplicates, long stalls, int wrongFinalStates, long viewsInRun) {
    public Latencies.Summary latency() {
      return samples.summary();
    }

    public double eventsPerSec() {
      return delivered / seconds;
    }

    /** The rounds of one path as one measurement: samples pooled, counts and measured time summed. */
    public static Measurement pool(List<Measurement> rounds) {
      Latencies all = new Latencies();
      long commands = 0;
      long delivered = 0;
      double seconds = 0;
      long missed = 0;
      long duplicates = 0;
      long stalls = 0;
      int wrong = 0;
      long views = 0;
      for (Measurement m : rounds) {
        all.addAll(m.samples);
        commands += m.commands;
        delivered += m.delivered;
        seconds += m.seconds;
        missed += m.missed;
        duplicates += m.duplicates;
        stalls += m.stalls;
        wrong += m.wrongFinalStates;
        views += m.viewsInRun;
      }
      return new Measurement(all, commands, delivered, seconds, missed, duplicates, stalls, wrong, views);
    }
  }
}
