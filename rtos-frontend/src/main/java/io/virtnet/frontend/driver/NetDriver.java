package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.LinkView;

/**
 * An RTOS network driver bound to one discovered device, as {@code struct virtio_driver} with its
 * {@code probe}, {@code config_changed} and {@code remove} callbacks. The device side (config,
 * interrupts, ctrl, view) is its {@link VirtioTransport}; a driver adds what it does with an applied
 * config. All methods run on the owning CPU verticle's context; implementations keep no locks.
 */
public interface NetDriver {
  /** The driver's end of its device. */
  VirtioTransport transport();

  /** Negotiates features, subscribes what it needs and signals DRIVER_OK; completes once subscribed. */
  Future<Void> probe();

  /** Unsubscribes, clears the published view and forgets the device; safe twice. */
  Future<Void> remove();

  /** A diagnostic snapshot: device, negotiated features, applied and pending state. */
  JsonObject snapshot();

  /** The device this driver was probed for. */
  default DeviceInfo device() {
    return transport().device();
  }

  /** The driver kind as shown in the link view: "virtio" or "qemu". */
  default String kind() {
    return transport().driverKind();
  }

  /** An interrupt routed to this device (instance and irq number already checked). */
  default void handleIrq(Irq irq) {
    transport().handleIrq(irq);
  }

  /** After an MQTT reconnection or a backend restart, which lose DRIVER_OK: declare the features again. */
  default void onReconnect() {
    transport().sendDriverFeatures();
  }

  /** The link as the driver last published it, or null before the first config was applied. */
  default LinkView view() {
    return transport().view();
  }
}
