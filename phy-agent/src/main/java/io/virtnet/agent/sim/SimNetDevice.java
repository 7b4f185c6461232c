package io.virtnet.agent.sim;

import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Instant;
import java.util.EnumSet;

/** One simulated net_device: the fields a driver and {@code ip link} would change. Not thread-safe. */
final class SimNetDevice {
  String ifname;
  final int ifindex;
  boolean admin;
  boolean carrier;
  int mtu;
  String address;
  int speed;
  Duplex duplex;
  long carrierUpCount;
  long carrierDownCount;
  /** The seq of the last change folded into this device's state. */
  long lastSeq;

  SimNetDevice(String ifname, int ifindex, String address, int mtu, int speed, Duplex duplex, boolean carrier) {
    this.ifname = ifname;
    this.ifindex = ifindex;
    this.address = address;
    this.mtu = mtu;
    this.speed = speed;
    this.duplex = duplex;
    this.carrier = carrier;
  }

  /**
   * Flags as {@code dev_get_flags} reports them: BROADCAST and MULTICAST for an ethernet device, UP
   * when open, and while open RUNNING when operationally up and LOWER_UP with carrier.
   */
  EnumSet<IfFlag> flags() {
    EnumSet<IfFlag> f = EnumSet.of(IfFlag.BROADCAST, IfFlag.MULTICAST);
    if (admin) {
      f.add(IfFlag.UP);
      if (operstate() == OperState.UP) {
        f.add(IfFlag.RUNNING);
      }
      if (carrier) {
        f.add(IfFlag.LOWER_UP);
      }
    }
    return f;
  }

  /** RFC 2863 operstate as {@code rfc2863_policy} derives it for a device without dormancy. */
  OperState operstate() {
    if (!admin) {
      return OperState.DOWN;
    }
    return carrier ? OperState.UP : OperState.LOWERLAYERDOWN;
  }

  /**
   * Carrier as {@code netif_carrier_on/off}: the counters move on every real transition, open or not.
   * Returns false when the carrier already had that value.
   */
  boolean setCarrier(boolean on) {
    if (carrier == on) {
      return false;
    }
    carrier = on;
    if (on) {
      carrierUpCount++;
    } else {
      carrierDownCount++;
    }
    return true;
  }

  NetdevState state(String agent, RegState reg, Instant ts, long seq) {
    return new NetdevState(agent, ifname, ifindex, flags(), operstate(), carrier, mtu, address, speed,
        duplex, carrierUpCount, carrierDownCount, reg, ts, seq);
  }
}
