package io.virtnet.protocol;

import java.util.Locale;

/** A sim PHY command on {@code vnet/phy/{agent}/{ifname}/cmd}, e.g. {@code {"op":"carrier","value":false}}. */
public record PhyCommand(Op op, Object value) {
  /** The operations of docs/contract.md §4 and the JSON type of their {@code value}. */
  public enum Op {
    CARRIER,
    ADMIN,
    MTU,
    ADDRESS,
    SPEED,
    REGISTER,
    UNREGISTER,
    RENAME;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public PhyCommand {
    switch (op) {
      case CARRIER, ADMIN -> {
        if (!(value instanceof Boolean)) {
          throw InvalidMessageException.of("wrong-type", op.wireName() + " needs a boolean value");
        }
      }
      case MTU -> {
        if (!(value instanceof Integer m) || m < 68 || m > 65535) {
          throw InvalidMessageException.of("out-of-range", "mtu needs an integer value 68..65535");
        }
      }
      case SPEED -> {
        if (!(value instanceof Integer s) || s < -1) {
          throw InvalidMessageException.of("out-of-range", "speed needs an integer value in Mbit/s (-1 unknown)");
        }
      }
      case ADDRESS -> {
        if (!(value instanceof String s)) {
          throw InvalidMessageException.of("wrong-type", "address needs a string value");
        }
        try {
          VirtioNetConfig.parseMac(s);
        } catch (IllegalArgumentException e) {
          throw InvalidMessageException.of("out-of-range", e.getMessage());
        }
      }
      case RENAME -> {
        if (!(value instanceof String s)) {
          throw InvalidMessageException.of("wrong-type", "rename needs the new name as a string value");
        }
        Names.requireIfname(s);
      }
      case REGISTER, UNREGISTER -> value = null;
    }
  }

  public static PhyCommand of(Op op, Object value) {
    return new PhyCommand(op, value);
  }
}
