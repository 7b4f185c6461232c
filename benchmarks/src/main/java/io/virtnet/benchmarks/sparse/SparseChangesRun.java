package io.virtnet.benchmarks.sparse;

import io.vertx.core.json.JsonObject;
import io.virtnet.benchmarks.e2e.Latencies;
import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.ConfigLoader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Scenario (e): how a user meets the stack. The launcher as shipped ({@code java -jar launcher.jar},
 * its default stack, its default policy, its own JVM settings) in a process of its own; from outside,
 * a warm-up, then cable changes on {@code eth0} back to back, then one change every {@code quiet}.
 * Latency per view: command published → each of {@code eth0}'s frontend views showing it, both
 * stamped here. "Back to back" is one change per {@link Options#backToBackSpacing}: the shortest
 * spacing at which the default linkwatch (1 s) reports every change at once (a fall is held back
 * while another fall went out within the interval), so that both series measure the system, not
 * the policy.
 */
public final class SparseChangesRun {
  private static final String AGENT = "linux0";
  private static final String PHY = "eth0";
  /** Two falls 1.2 s apart: above the default linkwatch interval (1 s), so none is held back. */
  public static final Duration BACK_TO_BACK_SPACING = Duration.ofMillis(600);

  /** How the run goes. */
  public record Options(Path launcherJar, List<String> javaOptions, List<String> launcherArgs, Duration warmup,
      int backToBack, Duration backToBackSpacing, int sparse, Duration quiet, Path launcherLog) {
    public Options {
      javaOptions = List.copyOf(javaOptions);
      launcherArgs = List.copyOf(launcherArgs);
      if (backToBack < 1 || sparse < 1) {
        throw new IllegalArgumentException("need at least one change of each kind");
      }
    }
  }

  private final Options options;
  private final PrintWriter log;
  private final Topics topics = Topics.of(Topics.DEFAULT_PREFIX);
  /** Link-view topic → the carrier it last showed and when (nanoTime at arrival). */
  private final Map<String, long[]> lastView = new ConcurrentHashMap<>();

  public SparseChangesRun(Options options, PrintWriter log) {
    this.options = options;
    this.log = log;
  }

  /** The link-view topics of the default stack's instances on {@code eth0}. */
  static List<String> viewsOnEth0(Topics topics) {
    List<String> views = new ArrayList<>();
    ConfigLoader.defaults().getJsonObject("backend").getJsonArray("instances").forEach(o -> {
      JsonObject i = (JsonObject) o;
      if (PHY.equals(i.getString("phy"))) {
        views.add(topics.rtosLink(i.getInteger("cpu"), i.getString("name")));
      }
    });
    return views;
  }

  /** Runs the scenario; returns its results row. */
  public JsonObject run() {
    List<String> views = viewsOnEth0(topics);
    try (LauncherProcess launcher = LauncherProcess.start(options.launcherJar(), options.javaOptions(), options.launcherArgs(), options.launcherLog())) {
      log.printf(Locale.ROOT, "  launcher pid %d ready on %s (%s)%n", launcher.pid(), launcher.brokerUri(),
          (options.javaOptions().isEmpty() ? "its own JVM settings" : "with " + options.javaOptions())
              + (options.launcherArgs().isEmpty() ? "" : ", arguments " + options.launcherArgs()));
      log.flush();
      BrokerSettings broker = BrokerSettings.parse(launcher.brokerUri(), false, null, null, null);
      try (InjectorClient pub = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
          InjectorClient obs = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT)) {
        for (String v : views) {
          InjectorClient.join(obs.subscribe(v, m -> lastView.put(m.topic(),
              new long[] {carrier(m.payload()) ? 1 : 0, m.receivedNanos()})), Duration.ofSeconds(10));
        }
        boolean carrier = awaitShown(views, true, Long.MIN_VALUE, Duration.ofSeconds(30)) != null;
        if (!carrier) {
          throw new IllegalStateException("eth0's views never showed carrier on");
        }
        carrier = warmUp(pub, views);
        log.printf(Locale.ROOT, "  warmed up (%d s of changes); %d changes back to back (one per %d ms) from %s%n",
            options.warmup().toSeconds(), options.backToBack(), options.backToBackSpacing().toMillis(), LocalTime.now());
        log.flush();
        Latencies b2b = new Latencies();
        for (int i = 0; i < options.backToBack(); i++) {
          carrier = !carrier;
          long next = System.nanoTime() + options.backToBackSpacing().toNanos();
          change(pub, views, carrier, b2b);
          parkUntil(next);
        }
        log.printf(Locale.ROOT, "  back to back: %s; now %d changes, one per %d s, from %s%n", line(b2b.summary()),
            options.sparse(), options.quiet().toSeconds(), LocalTime.now());
        log.flush();
        Latencies sparse = new Latencies();
        for (int i = 0; i < options.sparse(); i++) {
          parkUntil(System.nanoTime() + options.quiet().toNanos());
          carrier = !carrier;
          long ns = change(pub, views, carrier, sparse);
          log.printf(Locale.ROOT, "    change %d after %d s of quiet: %.3f ms%n", i + 1, options.quiet().toSeconds(), ns / 1e6);
          log.flush();
        }
        Latencies.Summary b = b2b.summary();
        Latencies.Summary s = sparse.summary();
        log.printf(Locale.ROOT, "  sparse: %s%n", line(s));
        log.printf(Locale.ROOT, "  sparse p50 / back-to-back p50 = %.2f (target <= 1.2); sparse max / back-to-back p50 = %.2f "
            + "(target <= 3)%n", s.p50() / b.p50(), s.max() / b.p50());
        log.flush();
        return row(b, s);
      }
    }
  }

  /**
   * The warm-up: a change every 2 ms for {@link Options#warmup} (the default linkwatch reports at most
   * one fall per second downstream, so the agent and the backend's event path see them all, the rest
   * of the path what the policy lets through), then until the views show the last one; returns the
   * carrier it left.
   */
  private boolean warmUp(InjectorClient pub, List<String> views) {
    long end = System.nanoTime() + options.warmup().toNanos();
    boolean carrier = true;
    while (System.nanoTime() < end) {
      carrier = !carrier;
      byte[] cmd = ("{\"op\":\"carrier\",\"value\":" + carrier + "}").getBytes(StandardCharsets.UTF_8);
      InjectorClient.join(pub.publish(topics.phyCmd(AGENT, PHY), cmd, false), Duration.ofSeconds(10));
      parkUntil(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2));
    }
    long last = System.nanoTime();
    if (awaitShown(views, carrier, last - TimeUnit.SECONDS.toNanos(5), Duration.ofSeconds(10)) == null) {
      throw new IllegalStateException("eth0's views did not settle after the warm-up");
    }
    // a second pass at the back-to-back spacing, so that the measured series starts warm at its own pace
    for (int i = 0; i < 10; i++) {
      carrier = !carrier;
      long next = System.nanoTime() + options.backToBackSpacing().toNanos();
      change(pub, views, carrier, null);
      parkUntil(next);
    }
    return carrier;
  }

  /** Publishes one change and waits until every view shows it; returns the slowest view's latency. */
  private long change(InjectorClient pub, List<String> views, boolean carrier, Latencies into) {
    byte[] cmd = ("{\"op\":\"carrier\",\"value\":" + carrier + "}").getBytes(StandardCharsets.UTF_8);
    long sent = System.nanoTime();
    InjectorClient.join(pub.publish(topics.phyCmd(AGENT, PHY), cmd, false), Duration.ofSeconds(10));
    long[] arrivals = awaitShown(views, carrier, sent, Duration.ofSeconds(10));
    if (arrivals == null) {
      throw new IllegalStateException("eth0's views did not show carrier " + carrier + " within 10 s");
    }
    long slowest = 0;
    for (long a : arrivals) {
      if (into != null) {
        into.add(a - sent);
      }
      slowest = Math.max(slowest, a - sent);
    }
    return slowest;
  }

  /** Arrival times of a view showing {@code carrier} on every topic after {@code since}, or null after {@code within}. */
  private long[] awaitShown(List<String> views, boolean carrier, long since, Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (System.nanoTime() < deadline) {
      long[] arrivals = new long[views.size()];
      boolean all = true;
      for (int i = 0; i < views.size() && all; i++) {
        long[] v = lastView.get(views.get(i));
        all = v != null && (v[0] == 1) == carrier && v[1] >= since;
        arrivals[i] = all ? v[1] : 0;
      }
      if (all) {
        return arrivals;
      }
      LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
    }
    return null;
  }

  private static boolean carrier(byte[] view) {
    return new String(view, StandardCharsets.US_ASCII).contains("\"carrier\":true");
  }

  private static void parkUntil(long deadline) {
    for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
      LockSupport.parkNanos(left);
    }
  }

  private JsonObject row(Latencies.Summary b, Latencies.Summary s) {
    return new JsonObject().put("scenario", "e").put("broker", "hivemq")
        .put("description", "default launcher process, eth0 changes: back to back vs one per " + options.quiet().toSeconds() + " s")
        .put("javaOptions", String.join(" ", options.javaOptions()))
        .put("launcherArgs", String.join(" ", options.launcherArgs()))
        .put("warmupSeconds", options.warmup().toSeconds())
        .put("backToBackChanges", options.backToBack()).put("backToBackSpacingMs", options.backToBackSpacing().toMillis())
        .put("sparseChanges", options.sparse()).put("quietSeconds", options.quiet().toSeconds())
        .put("backToBackP50Ms", round(b.p50())).put("backToBackMaxMs", round(b.max())).put("backToBackSamples", b.samples())
        .put("sparseP50Ms", round(s.p50())).put("sparseMaxMs", round(s.max())).put("sparseSamples", s.samples())
        .put("sparseP50OverBackToBackP50", round(s.p50() / b.p50()))
        .put("sparseMaxOverBackToBackP50", round(s.max() / b.p50()));
  }

  private static double round(double d) {
    return Math.round(d * 1000) / 1000.0;
  }

  private static String line(Latencies.Summary l) {
    return String.format(Locale.ROOT, "p50 %.3f ms, p90 %.3f, max %.3f (%d views)", l.p50(), l.p90(), l.max(), l.samples());
  }
}
