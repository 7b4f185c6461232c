package io.virtnet.agent.sim;

import io.virtnet.agent.PhyChange;
import io.virtnet.agent.config.SimPhyConfig;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.VirtioNetConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The simulated PHYs of one agent, and for each command the NETDEV events a kernel would send, in
 * its order (ARCHITECTURE.md "Events per sim command"). Pure logic, no Vert.x; not thread-safe.
 *
 * <p>Every event takes the next {@code seq}; a change the kernel does not notify (carrier or speed
 * while the device is down) takes one too, so receivers ordering by {@code seq} accept the new
 * retained state. A command that changes nothing takes none. ifindex values start at 2 (1 is
 * {@code lo}) and every registration gets a fresh one, as {@code dev_new_index}.
 */
public final class SimPhyModel {
  public static final int FIRST_IFINDEX = 2;

  private final String agent;
  private final LongSupplier seq;
  private final Clock clock;
  private final Map<String, SimPhyConfig> templates = new LinkedHashMap<>();
  private final Map<String, SimNetDevice> devices = new LinkedHashMap<>();
  private int nextIfindex = FIRST_IFINDEX;

  /**
   * @param agent the agent name put in every state
   * @param configured the configured PHYs (their settings are also used when one is registered again)
   * @param seq the agent's sequence numbers
   * @param clock the source of timestamps
   */
  public SimPhyModel(String agent, List<SimPhyConfig> configured, LongSupplier seq, Clock clock) {
    this.agent = Names.requireInstance(agent);
    this.seq = Objects.requireNonNull(seq, "seq");
    this.clock = Objects.requireNonNull(clock, "clock");
    for (SimPhyConfig c : configured) {
      templates.put(c.name(), c);
    }
  }

  /** Registers every configured PHY with {@code registered: true}: REGISTER, then UP when admin up. */
  public List<NetdevEvent> start() {
    List<NetdevEvent> out = new ArrayList<>();
    for (SimPhyConfig c : templates.values()) {
      if (c.registered() && !devices.containsKey(c.name())) {
        register(c, out);
      }
    }
    return out;
  }

  /** The state of every registered device, in registration order. */
  public List<NetdevState> snapshot() {
    List<NetdevState> out = new ArrayList<>();
    for (SimNetDevice d : devices.values()) {
      out.add(d.state(agent, RegState.REGISTERED, clock.instant(), d.lastSeq));
    }
    return out;
  }

  /** The current state of {@code ifname}, if registered. */
  public Optional<NetdevState> state(String ifname) {
    SimNetDevice d = devices.get(ifname);
    return d == null ? Optional.empty() : Optional.of(d.state(agent, RegState.REGISTERED, clock.instant(), d.lastSeq));
  }

  /**
   * Applies {@code cmd} to {@code ifname}. Throws {@link InvalidMessageException} with reason
   * {@code no-such-device} (not registered; only {@code register} creates), {@code device-busy}
   * (rename of an open device, as {@code dev_change_name} returns -EBUSY) or {@code name-exists}.
   */
  public PhyChange apply(String ifname, PhyCommand cmd) {
    Names.requireIfname(ifname);
    if (cmd.op() == PhyCommand.Op.REGISTER) {
      if (devices.containsKey(ifname)) {
        return PhyChange.NONE;
      }
      List<NetdevEvent> out = new ArrayList<>();
      register(templates.getOrDefault(ifname, SimPhyConfig.defaults(ifname)), out);
      return PhyChange.of(out);
    }
    SimNetDevice d = devices.get(ifname);
    if (d == null) {
      throw InvalidMessageException.of("no-such-device",
          cmd.op().wireName() + " on " + ifname + ": no such device (register it first)");
    }
    return switch (cmd.op()) {
      case CARRIER -> carrier(d, (Boolean) cmd.value());
      case ADMIN -> admin(d, (Boolean) cmd.value());
      case MTU -> mtu(d, (Integer) cmd.value());
      case ADDRESS -> address(d, (String) cmd.value());
      case SPEED -> speed(d, (Integer) cmd.value());
      case UNREGISTER -> unregister(d);
      case RENAME -> rename(d, (String) cmd.value());
      case REGISTER -> throw new IllegalStateException("handled above");
    };
  }

  private PhyChange carrier(SimNetDevice d, boolean on) {
    if (!d.setCarrier(on)) {
      return PhyChange.NONE;
    }
    // netdev_state_change notifies only devices that are IFF_UP
    return d.admin ? PhyChange.of(List.of(event(d, NetdevCmd.NETDEV_CHANGE))) : silent(d);
  }

  private PhyChange admin(SimNetDevice d, boolean up) {
    if (d.admin == up) {
      return PhyChange.NONE;
    }
    List<NetdevEvent> out = new ArrayList<>();
    if (up) {
      d.admin = true;
      out.add(event(d, NetdevCmd.NETDEV_UP));
    } else {
      close(d, out);
    }
    return PhyChange.of(out);
  }

  private PhyChange mtu(SimNetDevice d, int mtu) {
    if (d.mtu == mtu) {
      return PhyChange.NONE;
    }
    // dev_set_mtu_ext: PRECHANGEMTU (still the old MTU), then CHANGEMTU
    NetdevEvent pre = event(d, NetdevCmd.NETDEV_PRECHANGEMTU);
    d.mtu = mtu;
    return PhyChange.of(List.of(pre, event(d, NetdevCmd.NETDEV_CHANGEMTU)));
  }

  private PhyChange address(SimNetDevice d, String mac) {
    String normalized = normalizeMac(mac);
    if (d.address.equals(normalized)) {
      return PhyChange.NONE;
    }
    // dev_set_mac_address: PRE_CHANGEADDR (still the old address), then CHANGEADDR
    NetdevEvent pre = event(d, NetdevCmd.NETDEV_PRE_CHANGEADDR);
    d.address = normalized;
    return PhyChange.of(List.of(pre, event(d, NetdevCmd.NETDEV_CHANGEADDR)));
  }

  private PhyChange speed(SimNetDevice d, int speed) {
    if (d.speed == speed) {
      return PhyChange.NONE;
    }
    d.speed = speed;
    return d.admin ? PhyChange.of(List.of(event(d, NetdevCmd.NETDEV_CHANGE))) : silent(d);
  }

  private PhyChange unregister(SimNetDevice d) {
    List<NetdevEvent> out = new ArrayList<>();
    // unregister_netdevice_many closes the device first (dev_close_many)
    if (d.admin) {
      close(d, out);
    }
    devices.remove(d.ifname);
    out.add(event(d, NetdevCmd.NETDEV_UNREGISTER, RegState.UNREGISTERED, null));
    return PhyChange.of(out);
  }

  private PhyChange rename(SimNetDevice d, String newName) {
    if (d.ifname.equals(newName)) {
      return PhyChange.NONE;
    }
    if (d.admin) {
      throw InvalidMessageException.of("device-busy",
          "rename " + d.ifname + " to " + newName + ": device or resource busy (EBUSY); set it admin down first");
    }
    if (devices.containsKey(newName)) {
      throw InvalidMessageException.of("name-exists",
          "rename " + d.ifname + " to " + newName + ": a device named " + newName + " exists (EEXIST)");
    }
    String old = d.ifname;
    devices.remove(old);
    d.ifname = newName;
    devices.put(newName, d);
    return PhyChange.of(List.of(event(d, NetdevCmd.NETDEV_CHANGENAME, RegState.REGISTERED, old)));
  }

  private void register(SimPhyConfig c, List<NetdevEvent> out) {
    String mac = c.address() != null ? c.address() : generatedMac(c.name());
    SimNetDevice d = new SimNetDevice(c.name(), nextIfindex++, mac, c.mtu(), c.speed(), c.duplex(), c.carrier());
    devices.put(d.ifname, d);
    // register_netdevice leaves the device closed; the "driver" then opens it if configured up
    out.add(event(d, NetdevCmd.NETDEV_REGISTER));
    if (c.admin()) {
      d.admin = true;
      out.add(event(d, NetdevCmd.NETDEV_UP));
    }
  }

  /** dev_close: GOING_DOWN while still open, then DOWN once closed. */
  private void close(SimNetDevice d, List<NetdevEvent> out) {
    out.add(event(d, NetdevCmd.NETDEV_GOING_DOWN));
    d.admin = false;
    out.add(event(d, NetdevCmd.NETDEV_DOWN));
  }

  private NetdevEvent event(SimNetDevice d, NetdevCmd cmd) {
    return event(d, cmd, RegState.REGISTERED, null);
  }

  private NetdevEvent event(SimNetDevice d, NetdevCmd cmd, RegState reg, String oldIfname) {
    long s = seq.getAsLong();
    d.lastSeq = s;
    return new NetdevEvent(cmd, s, d.state(agent, reg, clock.instant(), s), oldIfname);
  }

  private PhyChange silent(SimNetDevice d) {
    d.lastSeq = seq.getAsLong();
    return PhyChange.silent(d.state(agent, RegState.REGISTERED, clock.instant(), d.lastSeq));
  }

  /** A stable locally administered unicast MAC ({@code 02:…}) derived from agent and name. */
  String generatedMac(String ifname) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest((agent + "/" + ifname).getBytes(StandardCharsets.UTF_8));
      byte[] mac = {0x02, h[0], h[1], h[2], h[3], h[4]};
      return HexFormat.ofDelimiter(":").formatHex(mac);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String normalizeMac(String s) {
    return HexFormat.ofDelimiter(":").formatHex(VirtioNetConfig.parseMac(s)).toLowerCase(Locale.ROOT);
  }
}
