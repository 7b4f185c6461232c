package io.virtnet.backend;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The retained topics one party owns (docs/contract.md §3: every retained topic has one owner, which
 * re-asserts it when another client clears or overwrites it). Tells, for each message seen on an owned
 * topic, whether it is ours (the value held, or the echo of one of our publishes still on the way,
 * in order) or another client's, which calls for re-asserting the value — unless that keeps happening
 * (another owner claims the topic): past {@link #MAX_REASSERTS} within {@link #WINDOW_MS} it backs
 * off and reports a conflict instead of overwriting in a loop. No I/O; use it from one context.
 */
final class RetainedOwnership {
  /**
   * Own publishes remembered per topic until their echo is back, bounded by age, not by a small count:
   * in a storm the backend writes a config faster than the broker echoes it (measured: bench (a) on a
   * loaded machine took its own 33rd-oldest echo for another writer and backed off). The count cap only
   * bounds memory.
   */
  static final long ECHO_TTL_MS = 30_000;
  static final int MAX_IN_FLIGHT = 8192;
  static final int MAX_REASSERTS = 5;
  static final long WINDOW_MS = 10_000;
  /** How long a reported conflict lasts: two windows (one that goes on is reported in every window). */
  static final long CONFLICT_LASTS_MS = 2 * WINDOW_MS;

  enum Verdict { OURS, REASSERT, CONFLICT }

  private static final class Owned {
    byte[] held;
    final ArrayDeque<Sent> inFlight = new ArrayDeque<>();
    long windowStart;
    int reasserts;
    boolean conflictReported;
  }

  private record Sent(byte[] payload, long atMs) {}

  private final LongSupplier nowMs;
  private final Map<String, Owned> owned = new HashMap<>();

  RetainedOwnership(LongSupplier nowMs) {
    this.nowMs = nowMs;
  }

  /** We publish {@code payload} (empty = clear, still ours) on {@code topic}; call before publishing. */
  void publishing(String topic, byte[] payload) {
    Owned o = owned.computeIfAbsent(topic, t -> new Owned());
    o.held = payload;
    long now = nowMs.getAsLong();
    while (!o.inFlight.isEmpty() && (o.inFlight.size() >= MAX_IN_FLIGHT || now - o.inFlight.peekFirst().atMs() > ECHO_TTL_MS)) {
      o.inFlight.pollFirst();
    }
    o.inFlight.addLast(new Sent(payload, now));
  }

  /** The value held on {@code topic}, null when not owned. */
  byte[] held(String topic) {
    Owned o = owned.get(topic);
    return o == null ? null : o.held;
  }

  /**
   * After a reconnect echoes of earlier publishes may never come, but the session restores the value
   * held on each topic: its echo is expected, and it may arrive after a newer value published on
   * reconnecting (a rewrite), so it must not be taken for another client's overwrite.
   */
  void reconnected() {
    owned.values().forEach(o -> {
      o.inFlight.clear();
      if (o.held != null) {
        o.inFlight.addLast(new Sent(o.held, nowMs.getAsLong()));
      }
    });
  }

  /** A message seen on {@code topic}: ours, or another client's to be re-asserted (or a conflict). */
  Verdict observed(String topic, byte[] payload) {
    Owned o = owned.get(topic);
    if (o == null || consumeEcho(o, payload) || Arrays.equals(o.held, payload)) {
      return Verdict.OURS;
    }
    long now = nowMs.getAsLong();
    if (now - o.windowStart >= WINDOW_MS) {
      o.windowStart = now;
      o.reasserts = 0;
      o.conflictReported = false;
    }
    if (o.reasserts >= MAX_REASSERTS) {
      if (o.conflictReported) {
        return Verdict.OURS; // reported once per window; keep quiet meanwhile
      }
      o.conflictReported = true;
      return Verdict.CONFLICT;
    }
    o.reasserts++;
    return Verdict.REASSERT;
  }

  /** An own publish echoed back: it and every older one still expected are done (the broker keeps order). */
  private static boolean consumeEcho(Owned o, byte[] payload) {
    int i = 0;
    for (Sent p : o.inFlight) {
      i++;
      if (Arrays.equals(p.payload(), payload)) {
        for (Iterator<Sent> it = o.inFlight.iterator(); i-- > 0; ) {
          it.next();
          it.remove();
        }
        return true;
      }
    }
    return false;
  }
}
