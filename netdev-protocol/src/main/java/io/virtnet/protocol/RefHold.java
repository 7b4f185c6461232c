package io.virtnet.protocol;

import java.time.Instant;

/** A reference ({@code dev_hold}) on {@code vnet/phy/{agent}/{ifname}/ref/{holder}}; an empty payload is the put. */
public record RefHold(String holder, String node, Instant ts) {
  public RefHold {
    Names.requireInstance(holder);
    Names.requireInstance(node);
  }
}
