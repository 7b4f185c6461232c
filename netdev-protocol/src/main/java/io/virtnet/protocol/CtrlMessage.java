package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/** What a frontend driver sends its device on {@code vnet/virtio/{instance}/ctrl}. */
public sealed interface CtrlMessage {
  /** {@code VIRTIO_NET_CTRL_ANNOUNCE_ACK}: class 3, command 0. Other class/command pairs are kept for logging. */
  record Command(int ctrlClass, int cmd) implements CtrlMessage {
    public boolean isAnnounceAck() {
      return ctrlClass == VirtioNetConfig.CTRL_ANNOUNCE && cmd == VirtioNetConfig.CTRL_ANNOUNCE_ACK;
    }
  }

  /** The features the driver accepted; its arrival is the driver's DRIVER_OK. */
  record DriverFeatures(Set<VirtioFeature> features) implements CtrlMessage {}

  static CtrlMessage announceAck() {
    return new Command(VirtioNetConfig.CTRL_ANNOUNCE, VirtioNetConfig.CTRL_ANNOUNCE_ACK);
  }

  default Buffer encode() {
    if (this instanceof DriverFeatures d) {
      return new JsonObject().put("driverFeatures", VirtioFeature.toJson(d.features())).toBuffer();
    }
    Command c = (Command) this;
    return new JsonObject().put("class", c.ctrlClass()).put("cmd", c.cmd()).toBuffer();
  }

  static CtrlMessage decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    if (o.containsKey("driverFeatures")) {
      return new DriverFeatures(VirtioFeature.fromJson(Json.array(o, "driverFeatures")));
    }
    return new Command((int) Json.integer(o, "class", 0, 255), (int) Json.integer(o, "cmd", 0, 255));
  }
}
