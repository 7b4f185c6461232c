package io.virtnet.injector;

import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Plans NETDEV events that a well-behaved receiver must not apply, or apply once: stale sequence
 * numbers, duplicates and reordered sequences, sent as an agent of the caller's choice. Pure.
 */
public final class Impersonation {
  /** What kind of lie. */
  public enum Mode {
    /** Events with seq below the real one, carrying the opposite carrier: all must be dropped. */
    STALE,
    /** One event, seq just above the real one and the real state, sent {@code count} times: applied at most once. */
    DUPLICATE,
    /** seq real+1 … real+count sent pairwise swapped; the highest carries the real carrier, so the truth wins. */
    REORDER;

    public static Mode of(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("mode must be stale, duplicate or reorder, not '" + s + "'");
      }
    }
  }

  private Impersonation() {}

  /**
   * The events to send, in sending order. {@code real} is the PHY's current state (its {@code seq} the
   * newest the receivers applied); the events carry {@code agent} as their sender. STALE yields fewer
   * than {@code count} events when {@code real.seq()} leaves too few numbers below it.
   */
  public static List<NetdevEvent> plan(NetdevState real, String agent, Mode mode, int count, Instant now) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be >= 1");
    }
    long seq = real.seq();
    NetdevState base = as(real, agent, real.carrier(), now);
    List<NetdevEvent> events = new ArrayList<>();
    switch (mode) {
      case STALE -> {
        for (int i = 1; i <= count && seq - i >= 1; i++) {
          NetdevState lie = as(real, agent, i % 2 == 1 ? !real.carrier() : real.carrier(), now);
          events.add(new NetdevEvent(NetdevCmd.NETDEV_CHANGE, seq - i, lie, null));
        }
      }
      case DUPLICATE -> {
        NetdevEvent once = new NetdevEvent(NetdevCmd.NETDEV_CHANGE, seq + 1, base, null);
        for (int i = 0; i < count; i++) {
          events.add(once);
        }
      }
      case REORDER -> {
        List<NetdevEvent> ordered = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
          // Walking back from the highest, carrier alternates, and the highest holds the truth.
          boolean carrier = (count - i) % 2 == 0 ? real.carrier() : !real.carrier();
          ordered.add(new NetdevEvent(NetdevCmd.NETDEV_CHANGE, seq + i, as(real, agent, carrier, now), null));
        }
        for (int i = 0; i + 1 < ordered.size(); i += 2) {
          events.add(ordered.get(i + 1));
          events.add(ordered.get(i));
        }
        if (ordered.size() % 2 == 1) {
          events.add(ordered.get(ordered.size() - 1));
        }
      }
      default -> throw new IllegalStateException(mode.name());
    }
    return events;
  }

  /** {@code real} as sent by {@code agent}, with the carrier (and the flags and operstate that follow it) set. */
  static NetdevState as(NetdevState real, String agent, boolean carrier, Instant ts) {
    Set<IfFlag> flags = real.flags().isEmpty() ? EnumSet.noneOf(IfFlag.class) : EnumSet.copyOf(real.flags());
    OperState oper = real.operstate();
    if (carrier != real.carrier()) {
      boolean up = flags.contains(IfFlag.UP);
      if (carrier && up) {
        flags.add(IfFlag.RUNNING);
        flags.add(IfFlag.LOWER_UP);
        oper = OperState.UP;
      } else if (!carrier) {
        flags.remove(IfFlag.RUNNING);
        flags.remove(IfFlag.LOWER_UP);
        oper = up ? OperState.DOWN : oper;
      }
    }
    return real.withAgent(agent).withFlags(flags).withOperstate(oper).withCarrier(carrier).withTs(ts);
  }
}
