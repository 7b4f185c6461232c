package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** A virtio-net device as the RTOS discovers it on {@code vnet/virtio/{instance}/device}. */
public record DeviceInfo(
    String instance, int cpu, int irq, Set<VirtioFeature> deviceFeatures, String phy, String agent,
    FrontendBinding frontend) {

  public DeviceInfo {
    Names.requireInstance(instance);
    Names.requireIfname(phy);
    Names.requireInstance(agent);
    if (cpu < 0 || cpu > 4095) {
      throw InvalidMessageException.of("out-of-range", "cpu must be 0..4095, got " + cpu);
    }
    if (irq < 0 || irq > 65535) {
      throw InvalidMessageException.of("out-of-range", "irq must be 0..65535, got " + irq);
    }
    deviceFeatures = Collections.unmodifiableSet(deviceFeatures.isEmpty()
        ? EnumSet.noneOf(VirtioFeature.class) : EnumSet.copyOf(deviceFeatures));
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject()
        .put("instance", instance)
        .put("cpu", cpu)
        .put("irq", irq)
        .put("deviceFeatures", VirtioFeature.toJson(deviceFeatures))
        .put("phy", phy)
        .put("agent", agent);
    if (frontend != null) {
      o.put("frontend", frontend.toJson());
    }
    return o;
  }

  public Buffer encode() {
    return toJson().toBuffer();
  }

  public static DeviceInfo decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    Object fe = o.getValue("frontend");
    return new DeviceInfo(
        Json.string(o, "instance"),
        (int) Json.integer(o, "cpu", 0, 4095),
        (int) Json.integer(o, "irq", 0, 65535),
        VirtioFeature.fromJson(Json.array(o, "deviceFeatures")),
        Json.string(o, "phy"),
        Json.string(o, "agent"),
        fe == null ? null : FrontendBinding.fromJson(Json.object(o, "frontend")));
  }
}
