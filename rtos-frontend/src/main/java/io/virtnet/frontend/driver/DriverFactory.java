package io.virtnet.frontend.driver;

import io.virtnet.frontend.libvirt.LibvirtNicControl;
import io.virtnet.frontend.qemu.QmpNicControl;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.FrontendBinding;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the driver for a discovered device from its {@code frontend} binding, as a bus matches a
 * device against its drivers' id tables: no binding means the reference {@link VirtioNetDriver}; a
 * binding of a kind in {@link #VM_NIC_KINDS} a {@link VmNicDriver} over that kind's {@code NicControl}.
 */
@FunctionalInterface
public interface DriverFactory {
  /** The driver for {@code device}, or empty when none is available (the device then stays unprobed). */
  Optional<NetDriver> create(DeviceInfo device, DriverContext ctx);

  /** How one hypervisor interface drives a VM NIC: the driver for a device bound to it. */
  @FunctionalInterface
  interface VmNicKind {
    NetDriver driver(DeviceInfo device, DriverContext ctx);
  }

  /**
   * The VM NIC kinds by their {@code frontend.kind}: a new hypervisor interface is one
   * {@code NicControl} class and one entry here.
   */
  Map<String, VmNicKind> VM_NIC_KINDS = Map.of(
      FrontendBinding.Qemu.KIND, (device, ctx) -> ctx.qmpPool() == null ? null : new VmNicDriver(device, ctx,
          FrontendBinding.Qemu.KIND, QmpNicControl.acquire(ctx.qmpPool(), device.frontend().target(), device.frontend().nic())),
      FrontendBinding.Libvirt.KIND, (device, ctx) -> {
        FrontendBinding.Libvirt b = (FrontendBinding.Libvirt) device.frontend();
        return new VmNicDriver(device, ctx, b.kind(), LibvirtNicControl.start(ctx.vertx(), b.uri(), b.domain(), b.iface()));
      });

  /** The standard table: virtio for unbound devices, {@link #VM_NIC_KINDS} for bound ones. */
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
      String refused = ctx.remoteTargets().refusal(device.frontend());
      if (refused != null) {
        LOG.warn("cpu {}: {} not probed: {}", ctx.cpu(), device.instance(), refused);
        ctx.metrics().unsupported(kind);
        return Optional.empty();
      }
      VmNicKind vmNic = VM_NIC_KINDS.get(kind);
      NetDriver driver = vmNic == null || ctx.vertx() == null ? null : vmNic.driver(device, ctx);
      if (driver != null) {
        return Optional.of(driver);
      }
      LOG.warn("cpu {}: {} is bound to a {} frontend ({}) this CPU cannot drive; device not probed",
          ctx.cpu(), device.instance(), kind, device.frontend().nic());
      ctx.metrics().unsupported(kind);
      return Optional.empty();
    }
  }
}
