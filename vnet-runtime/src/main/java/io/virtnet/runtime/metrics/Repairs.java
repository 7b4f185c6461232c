package io.virtnet.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Names;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what a service repaired to converge to the retained store (docs/contract.md §3), as
 * {@code vnet_repairs_total{service,kind}} — one meter, the same tag keys for every service, since
 * the launcher's services share one registry; shown in {@code /health}, the node snapshots and the
 * dashboard. Logging is rate-limited per kind, so a storm of lies cannot flood the log. Thread-safe.
 * The kinds every service counts are listed here, so one place says what the {@code kind} tag can be.
 */
public final class Repairs {
  // phy-agent and backend
  /** The service's retained status, cleared or overwritten by another client, re-asserted. */
  public static final String STATUS = "status-reasserted";
  // phy-agent
  /** A PHY's retained state, cleared or overwritten by another client, re-asserted. */
  public static final String STATE = "state-reasserted";
  // backend
  /** Our retained device, cleared or overwritten by another client, re-asserted. */
  public static final String DEVICE = "device-reasserted";
  /** Our retained config, cleared or overwritten by another client, rewritten. */
  public static final String CONFIG = "config-reasserted";
  /** Our hold (or release) on a PHY, cleared or overwritten by another client, re-asserted. */
  public static final String REF = "ref-reasserted";
  /** A frontend view that disagreed with the config for longer than resyncMs: device and config republished. */
  public static final String RESYNC = "resync";
  /** A live empty PHY state the retained store did not confirm: the binding was kept. */
  public static final String STATE_GONE_REFUSED = "state-gone-refused";
  /** Another owner kept overwriting one of our topics: we backed off instead of fighting. */
  public static final String CONFLICT = "conflict";
  // frontend
  /** A live "gone" the retained store did not confirm: the driver was kept. */
  public static final String GONE_REFUSED = "device-gone-refused";
  /** An IRQ for a device the CPU did not know, whose re-read changed something. */
  public static final String DEVICE_REREAD = "device-reread";
  /** The frontend's retained link view, cleared or overwritten by another client, re-asserted. */
  public static final String LINK_VIEW = "link-view";
  /** Not a repair: another writer kept overwriting a link view, which was left to it (the conflict is logged). */
  public static final String LINK_VIEW_CONFLICT = "link-view-conflict";

  private static final Logger LOG = LoggerFactory.getLogger(Repairs.class);

  private final MeterRegistry registry;
  private final String service;
  private final LongSupplier nowMs;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  /** Topic in conflict → until when it counts as one (ms of {@link #nowMs}). */
  private final Map<String, Long> conflictUntil = new ConcurrentHashMap<>();

  public Repairs(MeterRegistry registry, String service) {
    this(registry, service, () -> System.nanoTime() / 1_000_000L);
  }

  /** As {@link #Repairs(MeterRegistry, String)}, on the clock {@code nowMs} (ms) that times conflicts. */
  public Repairs(MeterRegistry registry, String service, LongSupplier nowMs) {
    this.registry = registry;
    this.service = service;
    this.nowMs = nowMs;
  }

  /**
   * Another owner keeps overwriting {@code topic} (one instance name on two nodes, say): counted as a
   * {@link #CONFLICT}, logged, and the service is DEGRADED for {@code lastsMs} unless reported again
   * ({@link #conflicts()}).
   */
  public void conflict(String topic, long lastsMs, String what) {
    conflictUntil.put(topic, nowMs.getAsLong() + lastsMs);
    LOG.warn("{} DEGRADED: {} keeps being overwritten by another client ({}); backing off", service,
        Names.printable(topic), what);
    repaired(CONFLICT, what);
  }

  /** The topics another owner claims now, sorted; empty when there is no conflict. */
  public List<String> conflicts() {
    long now = nowMs.getAsLong();
    conflictUntil.values().removeIf(until -> until - now <= 0);
    return conflictUntil.keySet().stream().sorted().toList();
  }

  /** Counts one repair of {@code kind}; {@code what} goes to the log (the first ten, then every thousandth). */
  public void repaired(String kind, String what) {
    long n = counted(kind);
    if (worthLogging(n)) {
      LOG.info("{} repaired ({}): {}{}", service, kind, what, soFar(n));
    }
  }

  /** Counts one repair of {@code kind} without logging it (the caller logs its own way); the count so far. */
  public long counted(String kind) {
    Counter c = counters.computeIfAbsent(kind, k -> Counter.builder("vnet_repairs")
        .description("Views repaired to converge to the retained store")
        .tag("service", service)
        .tag("kind", k)
        .register(registry));
    c.increment();
    return (long) c.count();
  }

  /** Whether the {@code n}th repair of a kind is logged: the first ten, then every thousandth. */
  public static boolean worthLogging(long n) {
    return n <= 10 || n % 1000 == 0;
  }

  /** The suffix a log line of the {@code n}th repair carries: empty for the first ten. */
  public static String soFar(long n) {
    return n > 10 ? " [" + n + " so far]" : "";
  }

  /** The repairs of {@code kind} so far. */
  public long count(String kind) {
    Counter c = counters.get(kind);
    return c == null ? 0 : (long) c.count();
  }

  /** {@code {"kind": n, …}}, kinds sorted. */
  public JsonObject toJson() {
    JsonObject o = new JsonObject();
    new TreeMap<>(counters).forEach((k, c) -> o.put(k, (long) c.count()));
    return o;
  }

  /** Removes this service's meters from the registry (an undeployed node). */
  public void close() {
    counters.values().forEach(registry::remove);
    counters.clear();
  }
}
