package io.virtnet.backend;

import io.virtnet.backend.config.AnnounceMode;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.policy.PolicyClock;
import io.virtnet.protocol.DeviceMac;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The virtio-net device of one instance, free of I/O: feature negotiation at DRIVER_OK, the status
 * bits (LINK_UP, ANNOUNCE), the config it derives from the reported link and the PHY it follows, and
 * the config generation. Every config write goes out through {@link Effects}. Not thread-safe: use it
 * from one context.
 */
final class VirtioNetDevice {
  private static final byte[] ZERO_MAC = new byte[6];
  /**
   * How long the write that clears ANNOUNCE after the driver's ACK waits for a config write to carry
   * it. It raises no IRQ and the driver does not wait for it; in a flap storm the next change's write
   * comes within this and carries the cleared bit, one broker publish (and two deliveries) fewer per
   * rise: 3.34 publishes per delivered view in bench (c) with a write per ACK.
   */
  static final long ANNOUNCE_CLEAR_DEFER_MS = 100;

  /** Where the device's decisions go. */
  interface Effects {
    /** Publish {@code config} under {@code generation}; then raise the config IRQ when {@code irq}. */
    void write(VirtioNetConfig config, long generation, boolean irq);
  }

  /** What the device reads from the link side: the reported status and the PHY the status follows. */
  interface Link {
    boolean reportedUp();

    /** The PHY as the status last followed it; null when none. */
    NetdevState followed();
  }

  private final InstanceConfig cfg;
  /** The device's own MAC: configured, else derived from node and instance; never the PHY's. */
  private final byte[] mac;
  private final LongSupplier wallClockMs;
  private final Link link;
  private final Effects effects;
  private final InstanceCounters counters;
  private final PolicyClock timers;
  /** The deferred write that clears ANNOUNCE; null when none is due. */
  private PolicyClock.Timer pendingClear;

  /** Features agreed at DRIVER_OK; null while no driver is live. */
  private Set<VirtioFeature> negotiated;
  private int probedMtu = -1;
  private int lastSeenMtu = -1;
  private String lastSeenAddress;
  private boolean announce;
  private boolean resetSinceNegotiation = true;
  private VirtioNetConfig current;
  private long generation;
  private boolean written;

  VirtioNetDevice(InstanceConfig cfg, String node, LongSupplier wallClockMs, PolicyClock timers, Link link,
      Effects effects, InstanceCounters counters) {
    this.cfg = cfg;
    this.mac = cfg.mac() != null ? VirtioNetConfig.parseMac(cfg.mac()) : DeviceMac.deriveBytes(node, cfg.name());
    this.wallClockMs = wallClockMs;
    this.link = link;
    this.effects = effects;
    this.counters = counters;
    this.timers = timers;
  }

  // ---- driver ----

  /** Probe: the first config, before the device is published; no driver yet, so no IRQ. */
  void probe() {
    write(candidate(false), false);
  }

  /**
   * {@code driverFeatures} is the driver's DRIVER_OK. Features are negotiated once per device reset
   * (VIRTIO 1.2 §3.1.1): a second one that would change the live negotiation is refused (null is
   * returned) unless the device was (re)published since; the same features again are a re-probe.
   * Returns the features in force.
   */
  Set<VirtioFeature> driverOk(Set<VirtioFeature> driverFeatures) {
    Set<VirtioFeature> next = VirtioFeature.negotiate(cfg.features(), driverFeatures);
    if (negotiated != null && !resetSinceNegotiation && !next.equals(negotiated)) {
      return null;
    }
    negotiated = next;
    resetSinceNegotiation = false;
    counters.driverProbes.incrementAndGet();
    if (!negotiated.contains(VirtioFeature.GUEST_ANNOUNCE)) {
      announce = false;
    }
    // the driver is live now: write the current config under a new generation and announce it
    write(candidate(false), statusIrqs());
    return negotiated;
  }

  /** The device was (re)published: the driver may probe it anew and negotiate other features. */
  void devicePublished() {
    resetSinceNegotiation = true;
  }

  /**
   * VIRTIO_NET_CTRL_ANNOUNCE_ACK: clear the bit; the driver reads config when it wants, no IRQ needed.
   * The clearing write goes out {@link #ANNOUNCE_CLEAR_DEFER_MS} later unless a config write carries
   * it before.
   */
  void announceAck() {
    if (announce) {
      announce = false;
      if (pendingClear == null) {
        pendingClear = timers.schedule(ANNOUNCE_CLEAR_DEFER_MS, () -> {
          pendingClear = null;
          writeIfChanged(candidate(false), false);
        });
      }
    }
  }

  /**
   * Asks the driver to announce itself now (the {@code announce-self} of this system), in either
   * announce mode: sets ANNOUNCE and raises the config IRQ. Returns why it cannot (ANNOUNCE needs a
   * live driver that negotiated GUEST_ANNOUNCE and STATUS), or null when done.
   */
  String requestAnnounce() {
    if (negotiated == null) {
      return "no driver is live: GUEST_ANNOUNCE is not negotiated yet";
    }
    if (!announceNegotiated() || !negotiated.contains(VirtioFeature.STATUS)) {
      return "the driver did not negotiate GUEST_ANNOUNCE (and STATUS): it cannot be asked to announce";
    }
    if (!announce) {
      announce = true;
      counters.announces.incrementAndGet();
      writeIfChanged(candidate(false), statusIrqs());
    }
    return null;
  }

  // ---- link ----

  /** The link policy reported {@code up}; {@code changed} when it differs from the last report. */
  void report(boolean up, boolean changed) {
    boolean rise = changed && up;
    if (rise && cfg.announce() == AnnounceMode.ON_LINK_UP && announceNegotiated()) {
      // ANNOUNCE only on the way up; the driver answers with VIRTIO_NET_CTRL_ANNOUNCE_ACK
      announce = true;
      counters.announces.incrementAndGet();
    }
    if (changed && !up) {
      announce = false;
    }
    writeIfChanged(candidate(rise), statusIrqs());
  }

  /**
   * A PHY state was applied (null = no such device): MTU changes after probe and address changes are
   * counted, not written (the device keeps its own MAC).
   */
  void phyApplied(NetdevState s) {
    if (s == null) {
      return;
    }
    if (lastSeenAddress != null && s.address() != null && !s.address().equalsIgnoreCase(lastSeenAddress)) {
      counters.phyMacChangesIgnored.incrementAndGet();
    }
    lastSeenAddress = s.address();
    if (probedMtu >= 0 && lastSeenMtu >= 0 && s.mtu() != lastSeenMtu) {
      // the device MTU is read by the driver at probe; the spec forbids changing it afterwards
      counters.mtuChangesIgnored.incrementAndGet();
    }
    lastSeenMtu = s.mtu();
  }

  /** Bound to {@code phy}: the first binding fixes the device MTU. */
  void bound(NetdevState phy) {
    if (probedMtu < 0) {
      probedMtu = phy.mtu();
    }
  }

  /** Writes the current config if it differs from the last one (e.g. carrier-notify back on). */
  void sync() {
    writeIfChanged(candidate(false), statusIrqs());
  }

  /** Writes the current config under a new generation, with an IRQ for a live driver (e.g. after a reconnect). */
  void rewrite() {
    write(candidate(false), statusIrqs());
  }

  /** Whether the config as it should be now differs from what was written. */
  boolean configStale() {
    return !candidate(false).equals(current);
  }

  // ---- config ----

  private Set<VirtioFeature> effectiveFeatures() {
    return negotiated != null ? negotiated : cfg.features();
  }

  private boolean announceNegotiated() {
    return negotiated != null && negotiated.contains(VirtioFeature.GUEST_ANNOUNCE);
  }

  /** IRQs go out only to a live driver that negotiated STATUS. */
  boolean statusIrqs() {
    return negotiated != null && negotiated.contains(VirtioFeature.STATUS);
  }

  /** The config as it should be now; {@code rise} lets speed/duplex change with a rise of LINK_UP. */
  VirtioNetConfig candidate(boolean rise) {
    Set<VirtioFeature> f = effectiveFeatures();
    boolean up = link.reportedUp();
    NetdevState followed = link.followed();
    int status;
    if (f.contains(VirtioFeature.STATUS)) {
      status = (up ? VirtioNetConfig.S_LINK_UP : 0) | (announce ? VirtioNetConfig.S_ANNOUNCE : 0);
    } else {
      status = VirtioNetConfig.S_LINK_UP; // spec: without STATUS the link is assumed up
    }
    // without VIRTIO_NET_F_MAC (and no configured MAC) the driver chooses its own address
    byte[] macField = cfg.mac() != null || f.contains(VirtioFeature.MAC) ? mac : ZERO_MAC;
    long speed = VirtioNetConfig.SPEED_UNKNOWN;
    int duplex = Duplex.UNKNOWN.virtioByte();
    if (f.contains(VirtioFeature.SPEED_DUPLEX)) {
      if (up && !rise && current != null) {
        // the spec asks that speed and duplex not change while the link is up
        speed = current.speed();
        duplex = current.duplex();
      } else if (followed != null) {
        speed = followed.speed() < 0 ? VirtioNetConfig.SPEED_UNKNOWN : followed.speed();
        duplex = followed.duplex().virtioByte();
      }
    }
    int mtu = probedMtu < 0 ? 0 : Math.min(probedMtu, 0xFFFF);
    return new VirtioNetConfig(macField, status, 1, mtu, speed, duplex, 0, 0, 0);
  }

  private void writeIfChanged(VirtioNetConfig c, boolean irq) {
    if (!c.equals(current)) {
      write(c, irq);
    }
  }

  private void write(VirtioNetConfig c, boolean irq) {
    if (pendingClear != null) {
      pendingClear.cancel(); // this write carries the status as it is now, the cleared bit with it
      pendingClear = null;
    }
    generation = nextGeneration();
    current = c;
    counters.configWrites.incrementAndGet();
    if (irq) {
      counters.statusIrqs.incrementAndGet();
    }
    effects.write(c, generation, irq);
  }

  /**
   * {@code max(generation + 1, now_ms mod 2^32)} in serial-number order, so a restarted backend
   * continues above what frontends saw; the first write starts from the clock.
   */
  private long nextGeneration() {
    long now = wallClockMs.getAsLong() & 0xFFFF_FFFFL;
    long next = (generation + 1) & 0xFFFF_FFFFL;
    boolean first = !written;
    written = true;
    return first || VirtioNetConfig.generationAtOrAfter(now, next) ? now : next;
  }

  // ---- what the API shows ----

  VirtioNetConfig current() {
    return current;
  }

  long generation() {
    return generation;
  }

  Set<VirtioFeature> negotiated() {
    return negotiated;
  }

  boolean announce() {
    return announce;
  }

  int probedMtu() {
    return probedMtu;
  }

  /** Forgets the written config (hot-unplug clears it). */
  void cleared() {
    current = null;
    if (pendingClear != null) {
      pendingClear.cancel(); // the config is gone (hot-unplug): a deferred ANNOUNCE clear must not rewrite it
      pendingClear = null;
    }
  }
}
