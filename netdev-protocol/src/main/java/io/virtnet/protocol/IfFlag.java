package io.virtnet.protocol;

import java.util.EnumSet;
import java.util.Set;

/** Interface flags of {@code include/uapi/linux/if.h} ({@code IFF_*}), with their bit values. */
public enum IfFlag {
  UP(0x1),
  BROADCAST(0x2),
  DEBUG(0x4),
  LOOPBACK(0x8),
  POINTOPOINT(0x10),
  NOTRAILERS(0x20),
  RUNNING(0x40),
  NOARP(0x80),
  PROMISC(0x100),
  ALLMULTI(0x200),
  MASTER(0x400),
  SLAVE(0x800),
  MULTICAST(0x1000),
  PORTSEL(0x2000),
  AUTOMEDIA(0x4000),
  DYNAMIC(0x8000),
  LOWER_UP(0x10000),
  DORMANT(0x20000),
  ECHO(0x40000);

  private final int bit;

  IfFlag(int bit) {
    this.bit = bit;
  }

  public int bit() {
    return bit;
  }

  /** The flags set in a kernel {@code ifi_flags} word; unknown bits are ignored. */
  public static Set<IfFlag> fromBits(int bits) {
    EnumSet<IfFlag> set = EnumSet.noneOf(IfFlag.class);
    for (IfFlag f : values()) {
      if ((bits & f.bit) != 0) {
        set.add(f);
      }
    }
    return set;
  }

  /** The kernel {@code ifi_flags} word for a set of flags. */
  public static int toBits(Set<IfFlag> flags) {
    int bits = 0;
    for (IfFlag f : flags) {
      bits |= f.bit;
    }
    return bits;
  }
}
