package io.virtnet.protocol;

import java.time.Instant;

/**
 * A frontend driver's view on {@code vnet/rtos/{cpu}/{instance}/link}. {@code driver} is the driver
 * kind ("virtio" or "qemu"); {@code phyTs} the PHY change the view reflects, when known (for latency);
 * {@code qemu} is present only for a QEMU-bound device (see {@link Qemu}).
 */
public record LinkView(
    boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
    String mac, String driver, Instant ts, Instant phyTs, Qemu qemu) {

  /**
   * The extra state of a QEMU-bound device's driver: what the VM's NIC was last told over QMP
   * ({@code told}, null before QEMU first answered; the view's {@code carrier} follows it), whether
   * a QMP session is up and the last call was answered, the last error, and call counters.
   */
  public record Qemu(Boolean told, boolean qmpConnected, boolean qmpAnswered, String lastError,
      long setLinkCalls, long announces) {}

  /** A view without the QEMU extension (the reference virtio driver's). */
  public LinkView(boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
      String mac, String driver, Instant ts, Instant phyTs) {
    this(carrier, status, generation, mtu, speed, duplex, announces, mac, driver, ts, phyTs, null);
  }

  /** Whether {@code other} shows the same link, ignoring the timestamps {@code ts} and {@code phyTs}. */
  public boolean sameLink(LinkView other) {
    return other != null && carrier == other.carrier && status == other.status && generation == other.generation
        && mtu == other.mtu && speed == other.speed && duplex == other.duplex && announces == other.announces
        && mac.equals(other.mac) && driver.equals(other.driver) && java.util.Objects.equals(qemu, other.qemu);
  }
}
