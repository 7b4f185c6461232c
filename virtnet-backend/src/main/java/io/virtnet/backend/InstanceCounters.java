package io.virtnet.backend;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
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
  final AtomicLong rejected = new AtomicLong();
  final AtomicLong rebinds = new AtomicLong();
  final AtomicLong driverProbes = new AtomicLong();
  final AtomicLong carrierUpCount = new AtomicLong();
  final AtomicLong carrierDownCount = new AtomicLong();

  private final List<Meter> meters = new ArrayList<>();

  /** Registers {@code vnet_backend_*_total{instance=…}} counters. */
  void register(MeterRegistry registry, String instance) {
    counter(registry, instance, "vnet_backend_phy_events", "PHY state and event messages applied or dropped as stale", phyEvents);
    counter(registry, instance, "vnet_backend_stale_dropped", "PHY messages dropped because their seq was not newer", staleDropped);
    counter(registry, instance, "vnet_backend_status_irqs", "Config-change IRQs raised", statusIrqs);
    counter(registry, instance, "vnet_backend_config_writes", "virtio_net_config writes", configWrites);
    counter(registry, instance, "vnet_backend_coalesced", "Link changes merged by the link policy", coalesced);
    counter(registry, instance, "vnet_backend_announces", "ANNOUNCE bits set", announces);
    counter(registry, instance, "vnet_backend_mtu_changes_ignored", "PHY MTU changes not written after probe", mtuChangesIgnored);
  }

  private void counter(MeterRegistry registry, String instance, String name, String help, AtomicLong value) {
    ToDoubleFunction<AtomicLong> f = AtomicLong::doubleValue;
    meters.add(FunctionCounter.builder(name, value, f).description(help).tag("instance", instance).register(registry));
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
        .put("rejected", rejected.get())
        .put("rebinds", rebinds.get())
        .put("driverProbes", driverProbes.get())
        .put("carrierUpCount", carrierUpCount.get())
        .put("carrierDownCount", carrierDownCount.get());
  }
}
