package io.virtnet.frontend.driver;

import io.virtnet.protocol.DeviceInfo;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the driver for a discovered device from its {@code frontend} binding, as a bus matches a
 * device against its drivers' id tables: no binding means the reference virtio driver; a
 * {@code {"kind":"qemu",…}} binding the {@link QemuNetDriver}, which forwards the link to the VM's NIC.
 */
@FunctionalInterface
public interface DriverFactory {
  /** The driver for {@code device}, or empty when none is available (the device then stays unprobed). */
  Optional<NetDriver> create(DeviceInfo device, DriverContext ctx);

  /** The standard table: virtio for unbound devices, qemu for QEMU-bound ones. */
  static DriverFactory standard() {
    return Standard.INSTANCE;
  }

  /** The built-in table. */
  final class Standard implements DriverFactory {
    static final Standard INSTANCE = new Standard();
    private static final Logger LOG = LoggerFactory.getLogger(DriverFactory.class);

    private Standard() {}

    @Override
    public Optional<NetDriver> create(DeviceInfo device, DriverContext ctx) {
      if (device.frontend() == null) {
        return Optional.of(new VirtioNetDriver(device, ctx));
      }
      String kind = device.frontend().kind();
      if (QemuNetDriver.KIND.equals(kind) && ctx.qmpPool() != null && ctx.vertx() != null) {
        return Optional.of(new QemuNetDriver(device, ctx));
      }
      LOG.warn("cpu {}: {} is bound to a {} frontend ({}) this CPU cannot drive; device not probed",
          ctx.cpu(), device.instance(), kind, device.frontend().device());
      ctx.metrics().unsupported(kind);
      return Optional.empty();
    }
  }
}
