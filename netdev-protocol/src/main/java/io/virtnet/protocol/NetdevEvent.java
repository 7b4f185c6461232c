package io.virtnet.protocol;

import java.util.Objects;

/**
 * One NETDEV event on {@code vnet/phy/{agent}/{ifname}/event}: the kernel event, the per-PHY
 * sequence number and the device's state after it. {@code oldIfname} is set for NETDEV_CHANGENAME.
 */
public record NetdevEvent(NetdevCmd event, long seq, NetdevState state, String oldIfname) {
  public NetdevEvent {
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(state, "state");
    if (seq <= 0) {
      throw InvalidMessageException.of("out-of-range", "seq must be > 0, got " + seq);
    }
    if (oldIfname != null) {
      Names.requireIfname(oldIfname);
    }
  }

  public NetdevEvent(NetdevCmd event, NetdevState state) {
    this(event, state.seq(), state, null);
  }
}
