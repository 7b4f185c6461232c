package io.virtnet.frontend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.driver.LinkViews;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts what the frontend repaired to converge to the retained store (docs/contract.md §3), as
 * {@code vnet_repairs_total{service="frontend",kind}}; shown in the node's snapshot. Logging is
 * rate-limited per kind. Thread-safe.
 */
public final class Repairs {
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
    if (n <= 10 || n % 1000 == 0) { // a storm of lies must not flood the log
      LOG.info("{} repaired ({}): {}{}", service, kind, what, n > 10 ? " [" + n + " so far]" : "");
    }
  }

  /** The repair listener of one CPU's {@link LinkViews}. */
  public LinkViews.RepairListener linkViews(int cpu) {
    return new LinkViews.RepairListener() {
      @Override
      public void reasserted(String instance, String why) {
        repaired(LINK_VIEW, "cpu " + cpu + " " + instance + " view " + why);
      }

      @Override
      public void conflict(String instance) {
        repaired(LINK_VIEW_CONFLICT, "cpu " + cpu + " " + instance + " view: another client keeps overwriting it"
            + " (a second frontend serving cpu " + cpu + "?); not fighting over it");
      }
    };
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
}
