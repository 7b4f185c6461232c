package io.virtnet.protocol;

import java.util.Locale;

/** Link duplex as ethtool reports it, with the {@code virtio_net_config.duplex} byte. */
public enum Duplex {
  HALF(0x00),
  FULL(0x01),
  UNKNOWN(0xFF);

  private final int virtioByte;

  Duplex(int virtioByte) {
    this.virtioByte = virtioByte;
  }

  public int virtioByte() {
    return virtioByte;
  }

  /** The JSON spelling: "half", "full" or "unknown". */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static Duplex ofWireName(String s) {
    for (Duplex d : values()) {
      if (d.wireName().equals(s)) {
        return d;
      }
    }
    throw new IllegalArgumentException("duplex must be half, full or unknown, not '" + s + "'");
  }

  public static Duplex ofVirtioByte(int b) {
    for (Duplex d : values()) {
      if (d.virtioByte == (b & 0xFF)) {
        return d;
      }
    }
    return UNKNOWN;
  }
}
