package io.virtnet.backend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the backend repaired to converge to the retained store (docs/contract.md §3), as
 * {@code vnet_repairs_total{service="virtnet-backend",kind}}; shown in {@code /health} and the
 * dashboard. Logging is rate-limited per kind, so a storm of lies cannot flood the log. Thread-safe.
 */
public final class Repairs {
  /** Our retained device, cleared or overwritten by another client, re-asserted. */
  public static final String DEVICE = "device-reasserted";
  /** Our retained config, cleared or overwritten by another client, rewritten. */
  public static final String CONFIG = "config-reasserted";
  /** Our hold (or release) on a PHY, cleared or overwritten by another client, re-asserted. */
  public static final String REF = "ref-reasserted";
  /** The node's status, cleared or overwritten by another client, re-asserted. */
  public static final String STATUS = "status-reasserted";
  /** A frontend view that disagreed with the config for longer than resyncMs: device and config republished. */
  public static final String RESYNC = "resync";
  /** A live empty PHY state the retained store did not confirm: the binding was kept. */
  public static final String STATE_GONE_REFUSED = "state-gone-refused";
  /** Another owner kept overwriting one of our topics: we backed off instead of fighting. */
  public static final String CONFLICT = "conflict";

  private static final Logger LOG = LoggerFactory.getLogger(Repairs.class);

  private final MeterRegistry registry;
  private final String service;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public Repairs(MeterRegistry registry, String service) {
    this.registry = registry;
    this.service = service;
  }

  /** Counts one repair of {@code kind}; {@code what} goes to the log. */
  public void repaired(String kind, String what) {
    Counter c = counters.computeIfAbsent(kind, k -> Counter.builder("vnet_repairs")
        .description("Views repaired to converge to the retained store")
        .tag("service", service)
        .tag("kind", k)
        .register(registry));
    c.increment();
    long n = (long) c.count();
    if (n <= 10 || n % 1000 == 0) {
      LOG.info("{} repaired ({}): {}{}", service, kind, what, n > 10 ? " [" + n + " so far]" : "");
    }
  }

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

  void close() {
    counters.values().forEach(registry::remove);
    counters.clear();
  }
}
