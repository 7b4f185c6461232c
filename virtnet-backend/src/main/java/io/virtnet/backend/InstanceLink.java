package io.virtnet.backend;

import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.RegState;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision logic of one virtio-net instance, free of I/O: which PHY messages apply (by {@code seq},
 * by name across renames), when the instance binds to the PHY, the desired link state (bound ∧
 * registered ∧ IFF_UP ∧ carrier, subject to the agent-loss policy) and the carrier-notify switch; the
 * desired state feeds the instance's {@link LinkPolicy}. The verticle supplies the side effects.
 * Not thread-safe: use it from one context.
 */
final class InstanceLink {
  private static final Logger LOG = LoggerFactory.getLogger(InstanceLink.class);

  /** What the decisions do outside: references, counters, the config. */
  interface Effects {
    /** A PHY state (null = no such device) was applied; {@code ts} is its time, null when unknown. */
    void applied(NetdevState phy, Instant ts);

    /** {@code dev_hold} on {@code phy}. */
    void bind(NetdevState phy);

    /** A new device under the same name: {@code dev_put} on the old one, {@code dev_hold} on {@code phy}. */
    void rebind(NetdevState phy, int oldIfindex);

    /** {@code dev_put}. */
    void release();

    /** Whether config fields other than the status differ from what was written. */
    boolean configStale();
  }

  private final String instance;
  private final String agent;
  private final String phyName;
  private final AgentLossPolicy onAgentLoss;
  private final LinkPolicy policy;
  private final Effects effects;

  private boolean carrierNotify;
  /** The PHY as last applied; null = no device of that name. */
  private NetdevState phy;
  /** The PHY as the status last followed it (frozen while carrier-notify is off). */
  private NetdevState followed;
  private long appliedSeq;
  private boolean agentOnline = true;
  private int boundIfindex = -1;
  private boolean bound;

  InstanceLink(String instance, String agent, String phyName, boolean carrierNotify, AgentLossPolicy onAgentLoss,
      LinkPolicy policy, Effects effects) {
    this.instance = instance;
    this.agent = agent;
    this.phyName = phyName;
    this.carrierNotify = carrierNotify;
    this.onAgentLoss = onAgentLoss;
    this.policy = policy;
    this.effects = effects;
  }

  /** Rejects a payload about another device than the topic's (an event may carry our name as {@code oldIfname}). */
  void requireOurs(NetdevState s, String oldIfname) {
    boolean nameOk = s.ifname().equals(phyName) || phyName.equals(oldIfname);
    if (!s.agent().equals(agent) || !nameOk) {
      throw InvalidMessageException.of("topic-mismatch", "payload for " + s.agent() + "/" + s.ifname()
          + " on the topic of " + agent + "/" + phyName);
    }
  }

  /** An empty retained state: no such device. */
  void onNoState() {
    apply(null, null);
  }

  /** A retained state (already checked with {@link #requireOurs}); false when dropped as stale. */
  boolean onState(NetdevState s) {
    // a state without seq cannot be ordered: only taken while nothing ordered was applied. A
    // state equal to the applied seq is the same content; it re-establishes a device after an
    // empty state that overtook it on the way (MQTT does not order across topics).
    if (s.seq() == 0 ? appliedSeq != 0 : s.seq() < appliedSeq || (s.seq() == appliedSeq && phy != null)) {
      return false;
    }
    appliedSeq = Math.max(appliedSeq, s.seq());
    apply(s, s.ts());
    return true;
  }

  /** An event (already checked with {@link #requireOurs}); false when dropped as stale. */
  boolean onEvent(NetdevEvent e) {
    if (e.seq() <= appliedSeq) {
      return false;
    }
    appliedSeq = e.seq();
    NetdevState s = e.state();
    if (!s.ifname().equals(phyName)) {
      // NETDEV_CHANGENAME away from our name: that device is no longer ours
      LOG.info("{}: {} renamed to {}", instance, phyName, s.ifname());
      apply(null, s.ts());
      return true;
    }
    if (e.event() == NetdevCmd.NETDEV_UNREGISTER && s.reg() == RegState.REGISTERED) {
      s = s.withReg(RegState.UNREGISTERING);
    }
    apply(s, s.ts());
    return true;
  }

  /** The agent's status; false when it did not change. Going offline or back re-evaluates the link. */
  boolean setAgentOnline(boolean online) {
    if (online == agentOnline) {
      return false;
    }
    agentOnline = online;
    follow();
    return true;
  }

  /** Turns the carrier-notify switch; on again, re-syncs at once. False when it did not change. */
  boolean setCarrierNotify(boolean enabled) {
    if (enabled == carrierNotify) {
      return false;
    }
    carrierNotify = enabled;
    if (!enabled) {
      // status stops following the PHY: drop what is pending, keep what was reported
      policy.resync(policy.reportedUp());
      updateBinding();
    } else {
      updateBinding();
      followed = phy;
      policy.resync(desiredUp());
    }
    return true;
  }

  private void apply(NetdevState s, Instant ts) {
    phy = s;
    effects.applied(s, ts);
    updateBinding();
    follow();
  }

  private void updateBinding() {
    boolean shouldHold = carrierNotify && phy != null && phy.reg() == RegState.REGISTERED;
    if (shouldHold && !bound) {
      bound = true;
      boundIfindex = phy.ifindex();
      effects.bind(phy);
    } else if (shouldHold && boundIfindex != phy.ifindex()) {
      int old = boundIfindex;
      boundIfindex = phy.ifindex();
      effects.rebind(phy, old);
    } else if (!shouldHold && bound) {
      bound = false;
      boundIfindex = -1;
      effects.release();
    }
  }

  /** Feeds the desired status to the policy, and asks for a write when other fields changed. */
  private void follow() {
    if (!carrierNotify) {
      return;
    }
    followed = phy;
    policy.update(desiredUp());
    if (effects.configStale()) {
      policy.refresh();
    }
  }

  /** LINK_UP = bound ∧ registered ∧ IFF_UP ∧ carrier, unless the agent is lost and the policy says down. */
  boolean desiredUp() {
    if (!bound || phy == null || !phy.linkUp()) {
      return false;
    }
    return agentOnline || onAgentLoss == AgentLossPolicy.HOLD;
  }

  boolean carrierNotify() {
    return carrierNotify;
  }

  NetdevState phy() {
    return phy;
  }

  NetdevState followed() {
    return followed;
  }

  boolean agentOnline() {
    return agentOnline;
  }

  boolean bound() {
    return bound;
  }
}
