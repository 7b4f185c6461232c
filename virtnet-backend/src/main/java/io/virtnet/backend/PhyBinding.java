package io.virtnet.backend;

import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.protocol.NetdevState;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The side effects of one instance's {@link InstanceLink} decisions: the reference on the PHY
 * ({@code dev_hold}/{@code dev_put} through {@link RefHolder}), the PHY's counters, the device's view of
 * the PHY (MTU at probe), the timeline, and the time of the PHY change being reflected.
 */
final class PhyBinding implements InstanceLink.Effects {
  private static final Logger LOG = LoggerFactory.getLogger(PhyBinding.class);

  private final InstanceConfig cfg;
  private final InstanceEnv env;
  private final RefHolder ref;
  private final InstanceCounters counters;
  private final Runnable changed;
  private LinkPolicy policy;
  private VirtioNetDevice device;
  private Instant lastPhyTs;

  PhyBinding(InstanceConfig cfg, InstanceEnv env, RefHolder ref, InstanceCounters counters, Runnable changed) {
    this.cfg = cfg;
    this.env = env;
    this.ref = ref;
    this.counters = counters;
    this.changed = changed;
  }

  /** Completes the wiring (the policy and the device are built after the binding). */
  void attach(LinkPolicy linkPolicy, VirtioNetDevice virtioDevice) {
    this.policy = linkPolicy;
    this.device = virtioDevice;
  }

  /** The time of the PHY change last applied (now when it carried none); null before any. */
  Instant lastPhyTs() {
    return lastPhyTs;
  }

  @Override
  public void applied(NetdevState s, Instant ts) {
    lastPhyTs = ts == null ? Instant.now() : ts;
    if (s != null) {
      counters.carrierUpCount.set(s.carrierUpCount());
      counters.carrierDownCount.set(s.carrierDownCount());
    }
    long ignored = counters.mtuChangesIgnored.get();
    long macIgnored = counters.phyMacChangesIgnored.get();
    device.phyApplied(s);
    if (counters.mtuChangesIgnored.get() != ignored) {
      LOG.info("{}: PHY MTU changed to {}; the device keeps {}", cfg.name(), s.mtu(), device.probedMtu());
    }
    if (counters.phyMacChangesIgnored.get() != macIgnored) {
      LOG.info("{}: PHY address changed to {}; the device keeps its own MAC", cfg.name(), s.address());
    }
  }

  @Override
  public void bind(NetdevState phy) {
    ref.hold(phy.ifindex());
    env.metrics().held(cfg.name(), true);
    device.bound(phy);
    LOG.info("{}: bound to {}/{} (ifindex {})", cfg.name(), cfg.agent(), cfg.phy(), phy.ifindex());
    env.timeline().record(cfg.name(), "holds " + cfg.phy(), "up");
    changed.run();
  }

  @Override
  public void rebind(NetdevState phy, int oldIfindex) {
    LOG.info("{}: {} is a new device (ifindex {} -> {}); rebinding", cfg.name(), cfg.phy(), oldIfindex,
        phy.ifindex());
    ref.rebind(phy.ifindex());
    counters.rebinds.incrementAndGet();
    changed.run();
  }

  @Override
  public void release() {
    ref.put();
    env.metrics().held(cfg.name(), false);
    LOG.info("{}: released {}/{}", cfg.name(), cfg.agent(), cfg.phy());
    env.timeline().record(cfg.name(), "released " + cfg.phy(), "down");
    changed.run();
  }

  @Override
  public boolean configStale() {
    counters.sync(policy);
    return device.configStale();
  }
}
