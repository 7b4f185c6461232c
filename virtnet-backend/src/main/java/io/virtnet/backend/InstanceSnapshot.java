package io.virtnet.backend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;

/** An instance as the API shows it ({@code GET /api/instances/{name}}), built from its parts. */
final class InstanceSnapshot {
  private InstanceSnapshot() {}

  static JsonObject of(InstanceConfig cfg, InstanceLink link, LinkPolicy policy, RefHolder ref,
      VirtioNetDevice device, InstanceCounters counters) {
    counters.sync(policy);
    JsonObject o = new JsonObject()
        .put("name", cfg.name())
        .put("phy", cfg.phy())
        .put("agent", cfg.agent())
        .put("cpu", cfg.cpu())
        .put("irq", cfg.irq())
        .put("config", cfg.withCarrierNotify(link.carrierNotify()).withPolicy(policy.config()).toJson())
        .put("carrierNotify", link.carrierNotify())
        .put("bound", ref.held())
        .put("ifindex", ref.ifindex())
        .put("phyPresent", link.phy() != null)
        .put("phyLinkUp", link.phy() != null && link.phy().linkUp())
        .put("agentOnline", link.agentOnline())
        .put("driverLive", device.negotiated() != null)
        .put("deviceFeatures", new JsonArray(VirtioFeature.names(cfg.features())))
        .put("negotiatedFeatures", device.negotiated() == null ? null : new JsonArray(VirtioFeature.names(device.negotiated())))
        .put("linkUp", policy.reportedUp())
        .put("announce", device.announce())
        .put("probedMtu", device.probedMtu());
    VirtioNetConfig c = device.current();
    if (c != null) {
      o.put("status", c.status())
          .put("generation", device.generation())
          .put("mac", c.macString())
          .put("mtu", c.mtu())
          .put("speed", c.speed() == VirtioNetConfig.SPEED_UNKNOWN ? -1 : c.speed())
          .put("duplex", Duplex.ofVirtioByte(c.duplex()).wireName());
    }
    o.put("policy", policy.snapshot());
    o.put("counters", counters.toJson()
        .put("penalty", Math.round(policy.penalty() * 1000) / 1000.0)
        .put("suppressed", policy.suppressed())
        .put("holds", ref.holds())
        .put("puts", ref.puts()));
    return o;
  }
}
