package io.virtnet.protocol;

/** The kernel's {@code enum netdev_cmd} (include/linux/netdevice.h), names and numbers kept. */
public enum NetdevCmd {
  NETDEV_UP,
  NETDEV_DOWN,
  NETDEV_REBOOT,
  NETDEV_CHANGE,
  NETDEV_REGISTER,
  NETDEV_UNREGISTER,
  NETDEV_CHANGEMTU,
  NETDEV_CHANGEADDR,
  NETDEV_PRE_CHANGEADDR,
  NETDEV_GOING_DOWN,
  NETDEV_CHANGENAME,
  NETDEV_FEAT_CHANGE,
  NETDEV_BONDING_FAILOVER,
  NETDEV_PRE_UP,
  NETDEV_PRE_TYPE_CHANGE,
  NETDEV_POST_TYPE_CHANGE,
  NETDEV_POST_INIT,
  NETDEV_PRE_UNINIT,
  NETDEV_RELEASE,
  NETDEV_NOTIFY_PEERS,
  NETDEV_JOIN,
  NETDEV_CHANGEUPPER,
  NETDEV_RESEND_IGMP,
  NETDEV_PRECHANGEMTU,
  NETDEV_CHANGEINFODATA,
  NETDEV_BONDING_INFO,
  NETDEV_PRECHANGEUPPER,
  NETDEV_CHANGELOWERSTATE,
  NETDEV_UDP_TUNNEL_PUSH_INFO,
  NETDEV_UDP_TUNNEL_DROP_INFO,
  NETDEV_CHANGE_TX_QUEUE_LEN,
  NETDEV_CVLAN_FILTER_PUSH_INFO,
  NETDEV_CVLAN_FILTER_DROP_INFO,
  NETDEV_SVLAN_FILTER_PUSH_INFO,
  NETDEV_SVLAN_FILTER_DROP_INFO,
  NETDEV_OFFLOAD_XSTATS_ENABLE,
  NETDEV_OFFLOAD_XSTATS_DISABLE,
  NETDEV_OFFLOAD_XSTATS_REPORT_USED,
  NETDEV_OFFLOAD_XSTATS_REPORT_DELTA,
  NETDEV_XDP_FEAT_CHANGE;

  private static final NetdevCmd[] VALUES = values();

  /** The kernel's number for this event: NETDEV_UP is 1 and the rest follow in order. */
  public int number() {
    return ordinal() + 1;
  }

  /** The event with the kernel's number {@code n}, or throws for an unknown number. */
  public static NetdevCmd ofNumber(int n) {
    if (n < 1 || n > VALUES.length) {
      throw new IllegalArgumentException("unknown netdev_cmd number " + n);
    }
    return VALUES[n - 1];
  }
}
