package io.virtnet.frontend;

import io.vertx.core.Future;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.InboundMessage;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's view of {@code vnet/virtio/+/device} (its "device tree"): decodes and validates each
 * device once and routes it to the CPU verticle it names, ignoring devices of CPUs this node does not
 * serve. An empty payload is a hot-unplug; a changed device is removed and probed again (on its new
 * CPU if it moved); an identical one (redelivered after a reconnect) changes nothing. The steps for one
 * instance are chained, so a device moving between two CPUs of this node is removed before it is
 * probed again. Runs on the node verticle's context.
 */
final class DeviceDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceDirectory.class);

  private final Topics topics;
  private final Map<Integer, RtosCpuVerticle> cpus;
  private final Rejections rejections;
  private final Map<String, DeviceInfo> devices = new HashMap<>();
  private final Map<String, Future<Void>> tails = new HashMap<>();

  DeviceDirectory(Topics topics, Map<Integer, RtosCpuVerticle> cpus, Rejections rejections) {
    this.topics = topics;
    this.cpus = cpus;
    this.rejections = rejections;
  }

  void handle(InboundMessage m) {
    String instance;
    DeviceInfo device = null;
    try {
      if (!(topics.parse(m.topic()) instanceof TopicName.VirtioDevice t)) {
        return;
      }
      instance = t.instance();
      if (m.payload().length() > 0) {
        device = DeviceInfo.decode(m.payload());
        if (!device.instance().equals(instance)) {
          throw InvalidMessageException.of("instance-mismatch",
              "device names instance '" + device.instance() + "' on the topic of '" + instance + "'");
        }
      }
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
      return;
    }
    DeviceInfo previous = devices.get(instance);
    if (Objects.equals(previous, device)) {
      // identical: no re-probe. A live republish means the backend (re)started and lost DRIVER_OK,
      // so the driver declares its features again; a retained redelivery follows our own reconnect,
      // which the CPU verticle handles already.
      RtosCpuVerticle owner = device == null ? null : cpus.get(device.cpu());
      if (owner != null && !m.retained()) {
        chain(instance, () -> owner.redeclare(instance));
      }
      return;
    }
    if (device == null) {
      devices.remove(instance);
    } else {
      devices.put(instance, device);
    }
    RtosCpuVerticle from = previous == null ? null : cpus.get(previous.cpu());
    RtosCpuVerticle to = device == null ? null : cpus.get(device.cpu());
    if (from == null && to == null) {
      if (device != null) {
        LOG.debug("{} is routed to cpu {}, not served here", instance, device.cpu());
      }
      return;
    }
    DeviceInfo next = device;
    chain(instance, () -> {
      Future<Void> f = Future.succeededFuture();
      if (from != null && from != to) {
        f = from.detach(instance);
      }
      if (to != null) {
        // attach() replaces an existing driver on the same CPU (changed features, irq, binding)
        f = f.recover(e -> Future.succeededFuture()).compose(v -> to.attach(next));
      }
      return f;
    });
  }

  private void chain(String instance, Supplier<Future<Void>> step) {
    Future<Void> prev = tails.getOrDefault(instance, Future.succeededFuture());
    Future<Void> next = prev.<Void>transform(ar -> Future.succeededFuture())
        .compose(v -> step.get())
        .onFailure(e -> LOG.warn("device {}: {}", instance, e.getMessage()));
    tails.put(instance, next);
    next.onComplete(ar -> tails.remove(instance, next));
  }
}
