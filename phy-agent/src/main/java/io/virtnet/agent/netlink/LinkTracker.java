package io.virtnet.agent.netlink;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns rtnetlink link messages into the NETDEV events a kernel notifier would have seen, keeping
 * the last known state per ifindex. Pure logic apart from the {@link SysfsReader}; not thread-safe.
 *
 * <p>Renames across the selection: a rename <em>into</em> it is treated as the device appearing
 * (REGISTER, then UP if up), since nobody has heard of it under any selected name; a rename
 * <em>out of</em> it yields NETDEV_CHANGENAME (so watchers of the old name see a rename, not a
 * removal) followed by NETDEV_UNREGISTER under the new name, after which the device is no longer
 * reported.
 */
public final class LinkTracker {
  private static final Logger LOG = LoggerFactory.getLogger(LinkTracker.class);

  private static final int IFF_UP = 0x1;
  private static final int MAX_MTU = 0xFF_FFFF;
  // The flags dev_get_flags derives from the device's operational state; gone once it is closed.
  private static final int IFF_DOWN_CLEARS = 0x1 | 0x40 | 0x10000 | 0x20000;

  private final String agent;
  private final Predicate<String> selection;
  private final LongSupplier seq;
  private final Clock clock;
  private final SysfsReader sysfs;
  private final Map<Integer, Link> links = new TreeMap<>();
  private long skipped;

  /** Everything the kernel told us about one ifindex, selected or not (so renames can be judged). */
  private static final class Link {
    LinkMessage msg;
    boolean selected;
    int speed = NetdevState.SPEED_UNKNOWN;
    Duplex duplex = Duplex.UNKNOWN;
    NetdevState last;
  }

  /**
   * @param agent the agent name put in every state
   * @param selection which interface names to report
   * @param seq the next event sequence number (must grow)
   * @param clock the source of state timestamps
   * @param sysfs speed and duplex lookup
   */
  public LinkTracker(String agent, Predicate<String> selection, LongSupplier seq, Clock clock,
      SysfsReader sysfs) {
    this.agent = Names.requireInstance(agent);
    this.selection = Objects.requireNonNull(selection, "selection");
    this.seq = Objects.requireNonNull(seq, "seq");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.sysfs = Objects.requireNonNull(sysfs, "sysfs");
  }

  /** The events one message implies, in the order the kernel would have sent them; none for a duplicate. */
  public List<NetdevEvent> apply(LinkMessage m) {
    List<NetdevEvent> out = new ArrayList<>();
    try {
      if (m.isDelete()) {
        Link old = links.remove(m.ifindex());
        if (old != null && old.selected) {
          unregister(old, out);
        }
      } else {
        update(m, out);
      }
    } catch (RuntimeException e) {
      // A value NetdevState refuses (it validates ranges) must not stop the reader.
      skipped++;
      LOG.warn("skipping link message for ifindex {}: {}", m.ifindex(), e.getMessage());
    }
    return out;
  }

  /**
   * Applies a full RTM_GETLINK dump (with any notifications that arrived during it, in arrival
   * order): devices known but absent are unregistered first, then every message is applied. This is
   * how a gap after ENOBUFS is closed.
   */
  public List<NetdevEvent> applyDump(List<LinkMessage> dump) {
    Set<Integer> seen = new HashSet<>();
    for (LinkMessage m : dump) {
      seen.add(m.ifindex());
    }
    List<NetdevEvent> out = new ArrayList<>();
    // Vanished devices go first: a new device may already carry the old one's name.
    for (Integer idx : new ArrayList<>(links.keySet())) {
      if (!seen.contains(idx)) {
        Link old = links.remove(idx);
        if (old.selected) {
          unregister(old, out);
        }
      }
    }
    for (LinkMessage m : dump) {
      out.addAll(apply(m));
    }
    return out;
  }

  /** The last published state of every reported device, by ifindex. */
  public List<NetdevState> snapshot() {
    List<NetdevState> out = new ArrayList<>();
    for (Link l : links.values()) {
      if (l.selected && l.last != null) {
        out.add(l.last);
      }
    }
    return out;
  }

  /** Messages skipped because their values could not form a valid state. */
  public long skipped() {
    return skipped;
  }

  private boolean selected(String ifname) {
    return Names.isValidIfname(ifname) && selection.test(ifname);
  }

  private void update(LinkMessage m, List<NetdevEvent> out) {
    Link l = links.get(m.ifindex());
    boolean sel = selected(m.ifname());
    if (l == null) {
      l = new Link();
      l.msg = m;
      l.selected = sel;
      links.put(m.ifindex(), l);
      if (sel) {
        readSysfs(l);
        appear(l, out);
      } else if (!Names.isValidIfname(m.ifname())) {
        LOG.info("not reporting interface {} (ifindex {}): {}", Names.printable(m.ifname()),
            m.ifindex(), Names.ifnameProblem(m.ifname()));
      }
      return;
    }
    LinkMessage o = l.msg;
    boolean wasSelected = l.selected;
    l.msg = m;
    l.selected = sel;
    if (!wasSelected && !sel) {
      return;
    }
    if (!wasSelected) {
      readSysfs(l);
      appear(l, out);
      return;
    }
    if (!sel) {
      renameOut(l, o, out);
      return;
    }
    boolean upOld = (o.flags() & IFF_UP) != 0;
    boolean upNew = (m.flags() & IFF_UP) != 0;
    boolean carrierChanged = o.carrierOrLowerUp() != m.carrierOrLowerUp();
    boolean stateChanged = carrierChanged
        || o.operstate() != m.operstate()
        || ((o.flags() ^ m.flags()) & ~IFF_UP) != 0
        || o.carrierUpCount() != m.carrierUpCount()
        || o.carrierDownCount() != m.carrierDownCount();
    if (upOld != upNew || stateChanged) {
      // Speed is renegotiated with the link, so it is re-read only when the link moved.
      readSysfs(l);
    }
    if (!o.ifname().equals(m.ifname())) {
      emit(out, NetdevCmd.NETDEV_CHANGENAME, l, m, RegState.REGISTERED, o.ifname());
    }
    if (upOld && !upNew) {
      // __dev_close_many: GOING_DOWN, then DOWN; linkwatch sends no CHANGE for a closed device.
      emit(out, NetdevCmd.NETDEV_GOING_DOWN, l, m, RegState.REGISTERED, null);
      emit(out, NetdevCmd.NETDEV_DOWN, l, m, RegState.REGISTERED, null);
    }
    if (o.mtu() != m.mtu()) {
      emit(out, NetdevCmd.NETDEV_CHANGEMTU, l, m, RegState.REGISTERED, null);
    }
    if (!o.address().equals(m.address())) {
      emit(out, NetdevCmd.NETDEV_CHANGEADDR, l, m, RegState.REGISTERED, null);
    }
    if (!upOld && upNew) {
      emit(out, NetdevCmd.NETDEV_UP, l, m, RegState.REGISTERED, null);
      if (carrierChanged) {
        // The carrier came with the open: linkwatch_do_dev would follow with netdev_state_change.
        emit(out, NetdevCmd.NETDEV_CHANGE, l, m, RegState.REGISTERED, null);
      }
    } else if (upOld == upNew && stateChanged) {
      // netdev_state_change (linkwatch) or __dev_notify_flags for flag changes other than IFF_UP;
      // also when only the carrier counters moved, i.e. a flap fell into an ENOBUFS gap.
      emit(out, NetdevCmd.NETDEV_CHANGE, l, m, RegState.REGISTERED, null);
    }
  }

  private void appear(Link l, List<NetdevEvent> out) {
    // As register_netdevice_notifier replays: REGISTER, then UP for a device that is open.
    emit(out, NetdevCmd.NETDEV_REGISTER, l, l.msg, RegState.REGISTERED, null);
    if ((l.msg.flags() & IFF_UP) != 0) {
      emit(out, NetdevCmd.NETDEV_UP, l, l.msg, RegState.REGISTERED, null);
    }
  }

  private void renameOut(Link l, LinkMessage old, List<NetdevEvent> out) {
    LinkMessage m = l.msg;
    if (Names.isValidIfname(m.ifname())) {
      emit(out, NetdevCmd.NETDEV_CHANGENAME, l, m, RegState.REGISTERED, old.ifname());
      emit(out, NetdevCmd.NETDEV_UNREGISTER, l, m, RegState.UNREGISTERED, null);
    } else {
      // A name the topics cannot carry: watchers only learn that the old name is gone.
      emit(out, NetdevCmd.NETDEV_UNREGISTER, l, old, RegState.UNREGISTERED, null);
    }
    l.last = null;
  }

  private void unregister(Link l, List<NetdevEvent> out) {
    LinkMessage m = l.msg;
    LinkMessage down = new LinkMessage(m.type(), m.ifindex(), m.ifname(), m.flags() & ~IFF_DOWN_CLEARS,
        m.mtu(), m.address(), OperState.DOWN.number(), false, m.carrierUpCount(),
        m.carrierDownCount(), m.dumpPart());
    if ((m.flags() & IFF_UP) != 0) {
      // unregister_netdevice_many closes the device first (dev_close_many).
      emit(out, NetdevCmd.NETDEV_GOING_DOWN, l, down, RegState.REGISTERED, null);
      emit(out, NetdevCmd.NETDEV_DOWN, l, down, RegState.REGISTERED, null);
    }
    emit(out, NetdevCmd.NETDEV_UNREGISTER, l, down, RegState.UNREGISTERED, null);
    l.last = null;
  }

  private void readSysfs(Link l) {
    l.speed = sysfs.speed(l.msg.ifname(), l.msg.ifindex());
    l.duplex = sysfs.duplex(l.msg.ifname(), l.msg.ifindex());
  }

  private void emit(List<NetdevEvent> out, NetdevCmd cmd, Link l, LinkMessage m, RegState reg,
      String oldIfname) {
    long s = seq.getAsLong();
    // lo has no max_mtu (dev_validate_mtu skips the check), so clamp to what the contract allows.
    int mtu = Math.min(m.mtu(), MAX_MTU);
    NetdevState state = new NetdevState(agent, m.ifname(), m.ifindex(), IfFlag.fromBits(m.flags()),
        OperState.ofNumber(m.operstate()), m.carrierOrLowerUp(), mtu, m.address(), l.speed,
        l.duplex, m.carrierUpCount(), m.carrierDownCount(), reg, clock.instant(), s);
    out.add(new NetdevEvent(cmd, s, state, oldIfname));
    l.last = state;
  }
}
