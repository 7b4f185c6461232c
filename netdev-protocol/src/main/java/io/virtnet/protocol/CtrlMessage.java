package io.virtnet.protocol;

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
}
