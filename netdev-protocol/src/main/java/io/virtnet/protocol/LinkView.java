package io.virtnet.protocol;

import java.time.Instant;

/**
 * A frontend driver's view on {@code vnet/rtos/{cpu}/{instance}/link}. {@code driver} is the driver
 * kind ("virtio", "qemu" or "libvirt"); {@code phyTs} the PHY change the view reflects, when known (for
 * latency); {@code vmNic} is present only for a device bound to a VM's NIC, on the wire as an object
 * named by its kind ({@link Qemu}, {@link Libvirt}).
 */
public record LinkView(
    boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
    String mac, String driver, Instant ts, Instant phyTs, VmNic vmNic) {

  /** How a VM-bound driver is doing with its hypervisor: one object in the view, under {@link #key()}. */
  public sealed interface VmNic permits Qemu, Libvirt {
    /** The view's key for this object: the frontend kind. */
    String key();
  }

  /**
   * The extra state of a QEMU-bound device's driver: what the VM's NIC was last told over QMP
   * ({@code told}, null before QEMU first answered; the view's {@code carrier} follows it), whether
   * a QMP session is up and the last call was answered, the last error, and call counters.
   */
  public record Qemu(Boolean told, boolean qmpConnected, boolean qmpAnswered, String lastError,
      long setLinkCalls, long announces) implements VmNic {
    @Override
    public String key() {
      return "qemu";
    }
  }

  /**
   * The extra state of a libvirt-bound device's driver: what the domain's NIC was last told
   * ({@code told}), whether libvirtd answers and the domain runs ({@code connected}), the domain's
   * state as libvirt reports it, the last error, and call counters.
   */
  public record Libvirt(Boolean told, boolean connected, String domainState, String lastError,
      long setLinkCalls, long announces) implements VmNic {
    @Override
    public String key() {
      return "libvirt";
    }
  }

  /** The QEMU extension, or null. */
  public Qemu qemu() {
    return vmNic instanceof Qemu q ? q : null;
  }

  /** The libvirt extension, or null. */
  public Libvirt libvirt() {
    return vmNic instanceof Libvirt l ? l : null;
  }

  /** A view without a VM extension (the reference virtio driver's). */
  public LinkView(boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
      String mac, String driver, Instant ts, Instant phyTs) {
    this(carrier, status, generation, mtu, speed, duplex, announces, mac, driver, ts, phyTs, null);
  }

  /** Whether {@code other} shows the same link, ignoring the timestamps {@code ts} and {@code phyTs}. */
  public boolean sameLink(LinkView other) {
    return other != null && carrier == other.carrier && status == other.status && generation == other.generation
        && mtu == other.mtu && speed == other.speed && duplex == other.duplex && announces == other.announces
        && mac.equals(other.mac) && driver.equals(other.driver) && java.util.Objects.equals(vmNic, other.vmNic);
  }
}
