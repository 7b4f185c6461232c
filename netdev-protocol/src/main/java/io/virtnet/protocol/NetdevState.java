package io.virtnet.protocol;

import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The full state of one PHY as an agent publishes it on {@code vnet/phy/{agent}/{ifname}/state}
 * (and inside every event). {@code speed} is in Mbit/s, -1 when unknown. {@code seq} is the sequence
 * number of the last event folded into this state (0 when the sender gave none).
 */
public record NetdevState(
    String agent,
    String ifname,
    int ifindex,
    Set<IfFlag> flags,
    OperState operstate,
    boolean carrier,
    int mtu,
    String address,
    int speed,
    Duplex duplex,
    long carrierUpCount,
    long carrierDownCount,
    RegState reg,
    Instant ts,
    long seq) {

  public static final int SPEED_UNKNOWN = -1;

  public NetdevState {
    Names.requireInstance(agent);
    Names.requireIfname(ifname);
    Objects.requireNonNull(operstate, "operstate");
    Objects.requireNonNull(duplex, "duplex");
    Objects.requireNonNull(reg, "reg");
    Objects.requireNonNull(ts, "ts");
    flags = flags.isEmpty() ? Collections.emptySet() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
    if (ifindex < 0) {
      throw InvalidMessageException.of("out-of-range", "ifindex must be >= 0, got " + ifindex);
    }
    if (mtu < 0 || mtu > 0xFFFF_FF) {
      throw InvalidMessageException.of("out-of-range", "mtu out of range: " + mtu);
    }
    if (speed < -1) {
      throw InvalidMessageException.of("out-of-range", "speed must be >= -1, got " + speed);
    }
    if (carrierUpCount < 0 || carrierDownCount < 0 || seq < 0) {
      throw InvalidMessageException.of("out-of-range", "counters and seq must be >= 0");
    }
    address = address == null ? "" : address;
  }

  /** Administratively up ({@code IFF_UP}). */
  public boolean adminUp() {
    return flags.contains(IfFlag.UP);
  }

  /**
   * Whether virtio {@code LINK_UP} should be set: registered, IFF_UP and operationally up (RFC 2863
   * UP, or UNKNOWN with LOWER_UP, as the kernel's {@code netif_oper_up}). NETDEV_UP on a PHY without
   * carrier is not link up.
   */
  public boolean linkUp() {
    if (reg != RegState.REGISTERED || !adminUp()) {
      return false;
    }
    return operstate == OperState.UP
        || (operstate == OperState.UNKNOWN && flags.contains(IfFlag.LOWER_UP) && carrier);
  }

  // Withers: a copy with one field changed, validated as any state is.

  public NetdevState withAgent(String newAgent) {
    return new NetdevState(newAgent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withIfname(String newIfname) {
    return new NetdevState(agent, newIfname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withFlags(Set<IfFlag> newFlags) {
    return new NetdevState(agent, ifname, ifindex, newFlags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withOperstate(OperState newOperstate) {
    return new NetdevState(agent, ifname, ifindex, flags, newOperstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withCarrier(boolean newCarrier) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, newCarrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withMtu(int newMtu) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, newMtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withAddress(String newAddress) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, newAddress, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withSpeed(int newSpeed) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, newSpeed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  public NetdevState withDuplex(Duplex newDuplex) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        newDuplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }

  /** The carrier up and down counters together, as a carrier change moves one of them. */
  public NetdevState withCarrierCounts(long newUpCount, long newDownCount) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, newUpCount, newDownCount, reg, ts, seq);
  }

  public NetdevState withReg(RegState newReg) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, newReg, ts, seq);
  }

  public NetdevState withTs(Instant newTs) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, newTs, seq);
  }

  /** The sequence number of the event folded in last, with that event's time. */
  public NetdevState withSeq(long newSeq, Instant newTs) {
    return new NetdevState(agent, ifname, ifindex, flags, operstate, carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, newTs, newSeq);
  }
}
