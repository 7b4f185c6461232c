package io.virtnet.benchmarks.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The bench's results: one JSON object per scenario and broker, written as a list, and a Markdown table. */
public final class BenchReport {
  private BenchReport() {}

  /** The row of a flap scenario ({@code heapBytesPerInstance} may be null when unknown). */
  public static JsonObject row(BenchScenario s, String broker, BenchRunner.FlapResult r, Long heapBytesPerInstance,
      Long heapUsedBytes) {
    FlapRun.Measurement o = r.ours();
    FlapRun.Measurement b = r.bare();
    JsonObject j = base(s, broker)
        .put("p50Ms", num(o.latency().p50())).put("p90Ms", num(o.latency().p90())).put("p99Ms", num(o.latency().p99()))
        .put("p999Ms", num(o.latency().p999())).put("maxMs", num(o.latency().max())).put("samples", o.latency().samples())
        .put("bareP50Ms", num(b.latency().p50())).put("bareP90Ms", num(b.latency().p90()))
        .put("bareP99Ms", num(b.latency().p99())).put("bareP999Ms", num(b.latency().p999()))
        .put("bareMaxMs", num(b.latency().max()))
        .put("ratioP50", ratio(o.latency().p50(), b.latency().p50()))
        .put("ratioP99", ratio(o.latency().p99(), b.latency().p99()))
        .put("bareConfigWrites", r.bareConfigWrites())
        .put("commands", o.commands())
        .put("eventsPerSec", round(o.eventsPerSec(), 1))
        .put("bareEventsPerSec", round(b.eventsPerSec(), 1))
        .put("missedViews", o.missed()).put("duplicateViews", o.duplicates()).put("stalls", o.stalls())
        .put("unpairedViews", r.unpairedViews())
        .put("wrongFinalStates", o.wrongFinalStates())
        .put("bareMissed", b.missed()).put("bareWrongFinalStates", b.wrongFinalStates())
        .put("cpuSeconds", num(round(r.oursCpuSeconds(), 2)))
        .put("bareCpuSeconds", num(round(r.bareCpuSeconds(), 2)))
        .put("cpuMicrosPerEvent", o.delivered() == 0 || Double.isNaN(r.oursCpuSeconds()) ? null
            : round(r.oursCpuSeconds() * 1e6 / o.delivered(), 1))
        .put("readySeconds", round(r.prepareSeconds(), 1))
        .put("heapBytesPerInstance", heapBytesPerInstance)
        .put("heapUsedBytes", heapUsedBytes);
    if (r.oursLoad() != null) {
      j.put("brokerCounters", r.oursLoad().source())
          .put("brokerPublishesPerView", num(round(r.oursLoad().publishesPerView(), 2)))
          .put("brokerDeliveriesPerView", num(round(r.oursLoad().deliveriesPerView(), 2)))
          .put("bareBrokerPublishesPerView", num(round(r.bareLoad().publishesPerView(), 2)))
          .put("bareBrokerDeliveriesPerView", num(round(r.bareLoad().deliveriesPerView(), 2)))
          .put("brokerCountedViews", r.oursLoad().views())
          .put("bareBrokerCountedViews", r.bareLoad().views());
    }
    return j;
  }

  /** The row of an idle (memory only) scenario. */
  public static JsonObject idleRow(BenchScenario s, String broker, double readySeconds, int wrongFinalStates,
      Long heapBytesPerInstance, Long heapUsedBytes) {
    return base(s, broker)
        .put("p50Ms", null).put("p99Ms", null).put("bareP50Ms", null).put("bareP99Ms", null)
        .put("ratioP50", null).put("ratioP99", null).put("eventsPerSec", 0)
        .put("wrongFinalStates", wrongFinalStates)
        .put("readySeconds", round(readySeconds, 1))
        .put("heapBytesPerInstance", heapBytesPerInstance)
        .put("heapUsedBytes", heapUsedBytes);
  }

  private static JsonObject base(BenchScenario s, String broker) {
    return new JsonObject().put("scenario", s.name()).put("description", s.description()).put("broker", broker)
        .put("phys", s.phys()).put("instances", s.instances()).put("cpus", s.cpus())
        .put("rate", s.rate() == 0 ? "max" : s.rate()).put("linkwatchIntervalMs", 0)
        .put("warmupSeconds", s.warmup().toSeconds()).put("measureSeconds", s.measure().toSeconds())
        .put("seed", s.seed());
  }

  private static Double num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
  }

  private static Double ratio(double a, double b) {
    return b > 0 && !Double.isNaN(a) ? round(a / b, 2) : null;
  }

  private static double round(double d, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(d * f) / f;
  }

  /** Writes the rows as a JSON list, creating the directory. */
  public static void write(Path file, List<JsonObject> rows) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      Files.writeString(file, new JsonArray(List.copyOf(rows)).encodePrettily() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  /** The rows as a Markdown table. */
  public static String table(List<JsonObject> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| scenario | broker | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | bare p50 | bare p99 | ratio p50 | ratio p99 "
        + "| events/s | bare events/s | missed | wrong final | CPU s | heap B/inst | pub/view | deliv/view | bare pub/view | bare deliv/view |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for (JsonObject r : rows) {
      if ("e".equals(r.getString("scenario"))) {
        continue; // its own figures (sparse against back to back) are printed by its run
      }
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s "
          + "| %s | %s | %s | %s |%n",
          r.getString("scenario"), r.getString("broker"), f(r, "p50Ms"), f(r, "p90Ms"), f(r, "p99Ms"), f(r, "p999Ms"),
          f(r, "maxMs"), f(r, "bareP50Ms"), f(r, "bareP99Ms"), f(r, "ratioP50"), f(r, "ratioP99"), f(r, "eventsPerSec"),
          f(r, "bareEventsPerSec"), f(r, "missedViews"), f(r, "wrongFinalStates"), f(r, "cpuSeconds"),
          f(r, "heapBytesPerInstance"), f(r, "brokerPublishesPerView"), f(r, "brokerDeliveriesPerView"),
          f(r, "bareBrokerPublishesPerView"), f(r, "bareBrokerDeliveriesPerView")));
    }
    return b.toString();
  }

  private static String f(JsonObject r, String key) {
    Object v = r.getValue(key);
    return v == null ? "–" : v.toString();
  }
}
