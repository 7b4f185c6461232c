package io.virtnet.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@link Codecs#DEVICE}; {@code frontend} is written only where a device is bound to one. */
final class DeviceInfoCodec implements Codec<DeviceInfo> {
  @Override
  public DeviceInfo decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    FrontendBinding frontend = null;
    if (Json.has(o, "frontend")) {
      ObjectNode fe = Json.object(o, "frontend");
      frontend = FrontendBinding.of(key -> Json.string(fe, key));
    }
    return new DeviceInfo(
        Json.string(o, "instance"),
        (int) Json.integer(o, "cpu", 0, 4095),
        (int) Json.integer(o, "irq", 0, 65535),
        VirtioFeatures.fromJson(Json.array(o, "deviceFeatures")),
        Json.string(o, "phy"),
        Json.string(o, "agent"),
        frontend);
  }

  @Override
  public byte[] encode(DeviceInfo d) {
    ObjectNode o = Json.newObject()
        .put("instance", d.instance())
        .put("cpu", d.cpu())
        .put("irq", d.irq());
    o.set("deviceFeatures", VirtioFeatures.toJson(d.deviceFeatures()));
    o.put("phy", d.phy()).put("agent", d.agent());
    FrontendBinding fe = d.frontend();
    if (fe != null) {
      ObjectNode feo = o.putObject("frontend");
      fe.fields().forEach(feo::put);
    }
    return Json.bytes(o);
  }
}
