package io.virtnet.agent.netlink;

/**
 * One RTM_NEWLINK or RTM_DELLINK message: the {@code ifinfomsg} header plus the attributes the agent
 * publishes. {@code address} is lowercase colon hex ("" when the device has none), {@code carrier}
 * is null when IFLA_CARRIER was absent, and {@code dumpPart} marks a reply to RTM_GETLINK
 * (NLM_F_MULTI) rather than a multicast notification.
 */
public record LinkMessage(
    int type,
    int ifindex,
    String ifname,
    int flags,
    int mtu,
    String address,
    int operstate,
    Boolean carrier,
    long carrierUpCount,
    long carrierDownCount,
    boolean dumpPart) {

  public static final int RTM_NEWLINK = 16;
  public static final int RTM_DELLINK = 17;

  public boolean isDelete() {
    return type == RTM_DELLINK;
  }

  /** IFLA_CARRIER when the kernel sent it, else IFF_LOWER_UP, as {@code netif_carrier_ok} feeds both. */
  public boolean carrierOrLowerUp() {
    return carrier != null ? carrier : (flags & 0x10000) != 0;
  }
}
