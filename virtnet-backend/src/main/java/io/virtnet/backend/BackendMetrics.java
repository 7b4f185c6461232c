package io.virtnet.backend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.virtnet.protocol.NetdevCmd;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node-wide meters of a backend: end-to-end latency of frontend link views
 * ({@code vnet_link_latency_seconds}), holds held ({@code vnet_backend_holds_held}), and the
 * per-type count of NETDEV events received ({@code vnet_backend_events_received_total}).
 */
final class BackendMetrics {
  static final String LATENCY = "vnet_link_latency";
  static final String HOLDS = "vnet_backend_holds_held";
  static final String EVENTS = "vnet_backend_events_received";

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  /** instance → held, as the instances report it. */
  private final Map<String, Boolean> held = new ConcurrentHashMap<>();
  /** instance → the ts of its last view seen, so a republished view is not counted as a propagation. */
  private final Map<String, Instant> lastViewTs = new ConcurrentHashMap<>();
  private final Timer latency;
  private final Map<NetdevCmd, Counter> eventCounters = new ConcurrentHashMap<>();

  BackendMetrics(MeterRegistry registry) {
    this.registry = registry;
    latency = Timer.builder(LATENCY)
        .description("PHY event to frontend link view: the view's ts minus its phyTs")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    meters.add(latency);
    meters.add(Gauge.builder(HOLDS, held, m -> m.values().stream().filter(b -> b).count())
        .description("PHY references (dev_hold) this backend's instances hold")
        .register(registry));
  }

  /** A frontend link view of {@code instance} reflecting the PHY change at {@code phyTs}, seen at {@code ts}. */
  void linkView(String instance, Instant ts, Instant phyTs) {
    if (ts == null) {
      return;
    }
    Instant previousView = lastViewTs.put(instance, ts);
    // a view naming a PHY change that an earlier view already post-dates is a republish (a repair, a
    // restart, a view that first came from the retained config alone), not that change's propagation
    if (phyTs == null || previousView != null && !phyTs.isAfter(previousView)) {
      return;
    }
    Duration d = Duration.between(phyTs, ts);
    if (!d.isNegative()) {
      latency.record(d);
    }
  }

  void held(String instance, boolean isHeld) {
    held.put(instance, isHeld);
  }

  void removed(String instance) {
    held.remove(instance);
    lastViewTs.remove(instance);
  }

  /** Counts one NETDEV event an instance received from its PHY. */
  void eventReceived(NetdevCmd event) {
    // looked up once per type: registering (finding) a meter per event was a visible cost in a storm
    eventCounters.computeIfAbsent(event, e -> {
      Counter c = Counter.builder(EVENTS)
          .description("NETDEV events received from PHY agents, per type (counted per watching instance)")
          .tag("event", e.name())
          .register(registry);
      synchronized (meters) {
        meters.add(c);
      }
      return c;
    }).increment();
  }

  void close() {
    synchronized (meters) {
      meters.forEach(registry::remove);
      meters.clear();
    }
    eventCounters.clear();
  }
}
