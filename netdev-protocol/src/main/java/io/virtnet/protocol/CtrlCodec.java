package io.virtnet.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@link Codecs#CTRL}: {@code {"class":3,"cmd":0}} or {@code {"driverFeatures":[…]}}. */
final class CtrlCodec implements Codec<CtrlMessage> {
  @Override
  public CtrlMessage decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    if (o.has("driverFeatures")) {
      return new CtrlMessage.DriverFeatures(VirtioFeatures.fromJson(Json.array(o, "driverFeatures")));
    }
    return new CtrlMessage.Command((int) Json.integer(o, "class", 0, 255), (int) Json.integer(o, "cmd", 0, 255));
  }

  @Override
  public byte[] encode(CtrlMessage m) {
    ObjectNode o = Json.newObject();
    if (m instanceof CtrlMessage.DriverFeatures d) {
      o.set("driverFeatures", VirtioFeatures.toJson(d.features()));
    } else {
      CtrlMessage.Command c = (CtrlMessage.Command) m;
      o.put("class", c.ctrlClass()).put("cmd", c.cmd());
    }
    return Json.bytes(o);
  }
}
