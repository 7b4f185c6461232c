package io.virtnet.frontend.driver;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Driver-level counters shared by every driver of one process. */
public final class DriverMetrics {
  private final MeterRegistry registry;
  private final Counter carrierChanges;
  private final Counter announceAcks;
  private final Counter probes;

  public DriverMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.carrierChanges = Counter.builder("vnet_frontend_carrier_changes")
        .description("Carrier transitions seen by frontend drivers").register(registry);
    this.announceAcks = Counter.builder("vnet_frontend_announce_acks")
        .description("VIRTIO_NET_CTRL_ANNOUNCE_ACK commands sent").register(registry);
    this.probes = Counter.builder("vnet_frontend_probes")
        .description("Drivers probed").register(registry);
  }

  public void carrierChanged() {
    carrierChanges.increment();
  }

  public void announceAcked() {
    announceAcks.increment();
  }

  public void probed() {
    probes.increment();
  }

  /** A device whose driver kind this build cannot probe. */
  public void unsupported(String kind) {
    Counter.builder("vnet_frontend_unsupported_devices")
        .description("Devices left unprobed because their driver kind is not available")
        .tag("kind", kind)
        .register(registry)
        .increment();
  }

  public double carrierChanges() {
    return carrierChanges.count();
  }

  public double probes() {
    return probes.count();
  }
}
