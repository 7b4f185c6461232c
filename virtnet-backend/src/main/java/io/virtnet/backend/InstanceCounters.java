package io.virtnet.backend;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.policy.LinkPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;

/**
 * One instance's counters. Written on the instance's context, read by Prometheus scrapes from any
 * thread, hence atomics.
 */
final class InstanceCounters {
  final AtomicLong phyEvents = new AtomicLong();
  final AtomicLong staleDropped = new AtomicLong();
  final AtomicLong statusIrqs = new AtomicLong();
  final AtomicLong configWrites = new AtomicLong();
  final AtomicLong coalesced = new AtomicLong();
  final AtomicLong announces = new AtomicLong();
  final AtomicLong mtuChangesIgnored = new AtomicLong();
  final AtomicLong phyMacChangesIgnored = new AtomicLong();
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong rebinds = new AtomicLong();
  final AtomicLong driverProbes = new AtomicLong();
  final AtomicLong carrierUpCount = new AtomicLong();
  final AtomicLong carrierDownCount = new AtomicLong();
  final AtomicLong debounced = new AtomicLong();
  final AtomicLong flapsSuppressed = new AtomicLong();
  final AtomicLong suppressions = new AtomicLong();

  private final List<Meter> meters = new ArrayList<>();

  /**
   * Registers {@code vnet_backend_*_total{instance=…}} counters and the gauges of {@code policy}
   * (current dampening penalty, suppressed 0/1) and of the PHY's carrier up/down counts.
   */
  void register(MeterRegistry registry, String instance, LinkPolicy policy) {
    counter(registry, instance, "vnet_backend_phy_events", "PHY state and event messages applied or dropped as stale", phyEvents);
    counter(registry, instance, "vnet_backend_stale_dropped", "PHY messages dropped because their seq was not newer", staleDropped);
    counter(registry, instance, "vnet_backend_status_irqs", "Config-change IRQs raised", statusIrqs);
    counter(registry, instance, "vnet_backend_config_writes", "virtio_net_config writes", configWrites);
    counter(registry, instance, "vnet_backend_coalesced", "Link changes merged by the link policy", coalesced);
    counter(registry, instance, "vnet_backend_announces", "ANNOUNCE bits set", announces);
    counter(registry, instance, "vnet_backend_mtu_changes_ignored", "PHY MTU changes not written after probe", mtuChangesIgnored);
    counter(registry, instance, "vnet_backend_phy_mac_changes_ignored",
        "PHY address changes not written (the device keeps its own MAC)", phyMacChangesIgnored);
    counter(registry, instance, "vnet_backend_debounced", "Link changes dropped by the hold timers", debounced);
    counter(registry, instance, "vnet_backend_flaps_suppressed", "Flaps hidden from the frontend by dampening", flapsSuppressed);
    counter(registry, instance, "vnet_backend_suppressions", "Times dampening suppressed the link", suppressions);
    gauge(registry, instance, "vnet_backend_dampening_penalty", "Current flap-dampening penalty", policy,
        LinkPolicy::penalty);
    gauge(registry, instance, "vnet_backend_suppressed", "1 while dampening holds the link down", policy,
        p -> p.suppressed() ? 1 : 0);
    // the PHY's carrier_up_count/carrier_down_count: gauges, they restart with a re-created device
    gauge(registry, instance, "vnet_backend_carrier_up_count", "The PHY's carrier up count", carrierUpCount,
        AtomicLong::doubleValue);
    gauge(registry, instance, "vnet_backend_carrier_down_count", "The PHY's carrier down count", carrierDownCount,
        AtomicLong::doubleValue);
  }

  private void counter(MeterRegistry registry, String instance, String name, String help, AtomicLong value) {
    ToDoubleFunction<AtomicLong> f = AtomicLong::doubleValue;
    meters.add(FunctionCounter.builder(name, value, f).description(help).tag("instance", instance).register(registry));
  }

  private <T> void gauge(MeterRegistry registry, String instance, String name, String help, T obj,
      ToDoubleFunction<T> f) {
    meters.add(Gauge.builder(name, obj, f).description(help).tag("instance", instance).register(registry));
  }

  /** Copies the policy's own counts. */
  void sync(LinkPolicy policy) {
    coalesced.set(policy.coalesced());
    debounced.set(policy.debounced());
    flapsSuppressed.set(policy.flapsSuppressed());
    suppressions.set(policy.suppressions());
  }

  void unregister(MeterRegistry registry) {
    for (Meter m : meters) {
      registry.remove(m);
    }
    meters.clear();
  }

  JsonObject toJson() {
    return new JsonObject()
        .put("phyEvents", phyEvents.get())
        .put("staleDropped", staleDropped.get())
        .put("statusIrqs", statusIrqs.get())
        .put("configWrites", configWrites.get())
        .put("coalesced", coalesced.get())
        .put("announces", announces.get())
        .put("mtuChangesIgnored", mtuChangesIgnored.get())
        .put("phyMacChangesIgnored", phyMacChangesIgnored.get())
        .put("rejected", rejected.get())
        .put("rebinds", rebinds.get())
        .put("driverProbes", driverProbes.get())
        .put("carrierUpCount", carrierUpCount.get())
        .put("carrierDownCount", carrierDownCount.get())
        .put("debounced", debounced.get())
        .put("flapsSuppressed", flapsSuppressed.get())
        .put("suppressions", suppressions.get());
  }
}
