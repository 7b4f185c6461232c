package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.LinkView;

/**
 * An RTOS network driver bound to one discovered device, as {@code struct virtio_driver} with its
 * {@code probe}, {@code config_changed} and {@code remove} callbacks. All methods run on the owning
 * CPU verticle's context; implementations keep no locks.
 */
public interface NetDriver {
  /** The device this driver was probed for. */
  DeviceInfo device();

  /** The driver kind as shown in the link view: "virtio" or "qemu". */
  String kind();

  /** Negotiates features, subscribes what it needs and signals DRIVER_OK; completes once subscribed. */
  Future<Void> probe();

  /** An interrupt routed to this device (instance and irq number already checked). */
  void handleIrq(IrqMessage irq);

  /** A message on the device's {@code config} topic; {@code retained} marks a fresh-subscription delivery. */
  void handleConfig(Buffer payload, boolean retained);

  /** Called after an MQTT reconnection, when subscriptions are back (e.g. to repeat DRIVER_OK). */
  void onReconnect();

  /** Unsubscribes, clears the published view and forgets the device; safe twice. */
  Future<Void> remove();

  /** The link as the driver last published it, or null before the first config was applied. */
  LinkView view();

  /** A diagnostic snapshot: device, negotiated features, applied and pending state. */
  JsonObject snapshot();
}
