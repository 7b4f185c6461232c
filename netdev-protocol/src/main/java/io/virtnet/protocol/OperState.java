package io.virtnet.protocol;

/** RFC 2863 operational states as the kernel numbers them ({@code IF_OPER_*}, IFLA_OPERSTATE). */
public enum OperState {
  UNKNOWN,
  NOTPRESENT,
  DOWN,
  LOWERLAYERDOWN,
  TESTING,
  DORMANT,
  UP;

  private static final OperState[] VALUES = values();

  /** The kernel's IF_OPER_* number. */
  public int number() {
    return ordinal();
  }

  public static OperState ofNumber(int n) {
    return n >= 0 && n < VALUES.length ? VALUES[n] : UNKNOWN;
  }
}
