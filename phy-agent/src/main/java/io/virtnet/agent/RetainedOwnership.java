package io.virtnet.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The retained topics an agent owns (docs/contract.md §3 "The retained store is the truth"): what it
 * last published on each, and what it has seen there since. A value that is neither its truth nor
 * the echo of one of its own publishes (a broker sends a subscriber its own publishes too) was
 * written by another client and is to be re-asserted at once; but when another client keeps
 * overwriting a topic ({@link Policy#conflictAfter} times within {@link Policy#conflictWindow}: the
 * same agent name on two hosts), that is a conflict: it is reported and re-assertions back off
 * exponentially up to {@link Policy#backoffMax}, so two owners do not overwrite each other in a loop.
 * A topic leaves the conflict after {@link Policy#quiet()} without foreign writes. Pure; not
 * thread-safe.
 */
final class RetainedOwnership {
  /** When overwrites become a conflict, and how re-assertions then back off. */
  record Policy(int conflictAfter, Duration conflictWindow, Duration backoffMin, Duration backoffMax) {
    /** Five foreign writes within 5 s; re-assert after 1 s, 2 s, 4 s … at most every 30 s. */
    static final Policy DEFAULT = new Policy(5, Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(30));

    Policy {
      if (conflictAfter < 2) {
        throw new IllegalArgumentException("conflictAfter must be >= 2, got " + conflictAfter);
      }
      Objects.requireNonNull(conflictWindow, "conflictWindow");
      if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
        throw new IllegalArgumentException("backoff must be 0 < min <= max, got " + backoffMin + ", " + backoffMax);
      }
    }

    /**
     * How long a conflict lasts after the last foreign write: two owners backed off to the cap see each
     * other's writes about every {@code 2 × backoffMax}, so this must be longer.
     */
    Duration quiet() {
      return backoffMax.multipliedBy(4);
    }
  }

  /** What to do about a value seen on a topic: nothing, or re-assert after {@code delay}. */
  record Verdict(boolean reassert, Duration delay, boolean conflictBegins, int foreignInWindow) {
    static final Verdict NONE = new Verdict(false, Duration.ZERO, false, 0);
  }

  private static final byte[] EMPTY = new byte[0];
  /**
   * How long an own publish is expected back. A storm publishes faster than the echoes return, so
   * the pending echoes are bounded by age (and a hard cap), not by a small count.
   */
  static final Duration ECHO_TTL = Duration.ofSeconds(30);
  private static final int MAX_ECHOES = 100_000;

  private record Echo(byte[] payload, Instant at) {}
  /** Topics tracked at most; past this, those whose truth is empty are forgotten, oldest first. */
  static final int MAX_TOPICS = 10_000;

  private static final class Owned {
    byte[] truth = EMPTY;
    byte[] lastSeen;
    final ArrayDeque<Echo> echoes = new ArrayDeque<>();
    final ArrayDeque<Instant> foreign = new ArrayDeque<>();
    Instant lastForeign;
    boolean conflict;
    int level;
    boolean scheduled;
  }

  private final Policy policy;
  private final Map<String, Owned> topics = new LinkedHashMap<>();
  private boolean armed;

  RetainedOwnership(Policy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
  }

  Policy policy() {
    return policy;
  }

  /** Records a publish of ours at {@code now}: the topic's new truth, whose echo is expected. */
  void published(String topic, byte[] payload, Instant now) {
    Owned o = owned(topic);
    o.truth = payload.clone();
    Instant expired = now.minus(ECHO_TTL);
    while (!o.echoes.isEmpty() && (o.echoes.size() >= MAX_ECHOES || o.echoes.peekFirst().at().isBefore(expired))) {
      o.echoes.removeFirst(); // not delivered back (a broker ACL without read, say)
    }
    o.echoes.addLast(new Echo(o.truth, now));
  }

  /**
   * A value seen on {@code topic} (retained or live). Before {@link #arm} it is only recorded (the
   * agent's start owns the topics then); after, a foreign one is judged.
   */
  Verdict observed(String topic, byte[] payload, Instant now) {
    Owned o = owned(topic);
    o.lastSeen = payload.clone();
    if (consumeEcho(o, payload) || !armed || Arrays.equals(payload, o.truth)) {
      forgetIfSettled(topic, o, now);
      return Verdict.NONE;
    }
    return foreign(o, now);
  }

  /**
   * A topic that is empty as it should be, with nothing pending and no recent foreign write, needs no
   * memory (garbage on ever new names must not grow it): forgotten.
   */
  private void forgetIfSettled(String topic, Owned o, Instant now) {
    if (o.truth.length == 0 && o.lastSeen.length == 0 && o.echoes.isEmpty() && !o.scheduled
        && (o.lastForeign == null || now.isAfter(o.lastForeign.plus(policy.quiet()).plus(policy.conflictWindow())))) {
      topics.remove(topic);
    }
  }

  /**
   * From now on foreign values are judged; returns the topics whose last value seen before is foreign
   * (no echo of ours pending after it), each with its verdict.
   */
  Map<String, Verdict> arm(Instant now) {
    armed = true;
    Map<String, Verdict> out = new LinkedHashMap<>();
    topics.forEach((topic, o) -> {
      if (o.lastSeen != null && o.echoes.isEmpty() && !Arrays.equals(o.lastSeen, o.truth)) {
        out.put(topic, foreign(o, now));
      }
    });
    return out;
  }

  /**
   * The re-assertion of {@code topic} is due: the truth to publish again, or empty when the topic
   * already holds it (someone else put it back meanwhile).
   */
  Optional<byte[]> reassert(String topic) {
    Owned o = owned(topic);
    o.scheduled = false;
    return o.lastSeen != null && Arrays.equals(o.lastSeen, o.truth) ? Optional.empty() : Optional.of(o.truth.clone());
  }

  /** The topics in conflict at {@code now}. */
  List<String> conflicts(Instant now) {
    List<String> out = new ArrayList<>();
    topics.forEach((topic, o) -> {
      if (inConflict(o, now)) {
        out.add(topic);
      }
    });
    return out;
  }

  /** Whether {@code topic} is in conflict at {@code now}. */
  boolean inConflict(String topic, Instant now) {
    Owned o = topics.get(topic);
    return o != null && inConflict(o, now);
  }

  private Verdict foreign(Owned o, Instant now) {
    if (o.conflict && !inConflict(o, now)) {
      o.conflict = false;
      o.level = 0;
    }
    o.lastForeign = now;
    o.foreign.addLast(now);
    Instant from = now.minus(policy.conflictWindow());
    while (!o.foreign.isEmpty() && o.foreign.peekFirst().isBefore(from)) {
      o.foreign.removeFirst();
    }
    int inWindow = o.foreign.size();
    if (o.scheduled) {
      return new Verdict(false, Duration.ZERO, false, inWindow); // the re-assertion to come covers it
    }
    boolean begins = !o.conflict && inWindow >= policy.conflictAfter();
    o.conflict |= begins;
    if (!o.conflict) {
      return new Verdict(true, Duration.ZERO, false, inWindow);
    }
    Duration delay = policy.backoffMin().multipliedBy(1L << Math.min(o.level, 20));
    if (delay.compareTo(policy.backoffMax()) > 0) {
      delay = policy.backoffMax();
    }
    o.level++;
    o.scheduled = true;
    return new Verdict(true, delay, begins, inWindow);
  }

  private boolean inConflict(Owned o, Instant now) {
    return o.conflict && !now.isAfter(o.lastForeign.plus(policy.quiet()));
  }

  /** True when {@code payload} is one of our publishes not seen back yet; forgets it and older ones. */
  private static boolean consumeEcho(Owned o, byte[] payload) {
    int i = 0;
    for (Iterator<Echo> it = o.echoes.iterator(); it.hasNext(); i++) {
      if (Arrays.equals(it.next().payload(), payload)) {
        for (int k = 0; k <= i; k++) {
          o.echoes.removeFirst();
        }
        return true;
      }
    }
    return false;
  }

  /** Topics tracked now (bounded by {@link #MAX_TOPICS}). */
  int size() {
    return topics.size();
  }

  private Owned owned(String topic) {
    Owned o = topics.get(topic);
    if (o == null) {
      if (topics.size() >= MAX_TOPICS) {
        evictEmpty();
      }
      o = new Owned();
      topics.put(topic, o);
    }
    return o;
  }

  private void evictEmpty() {
    Iterator<Owned> it = topics.values().iterator();
    while (it.hasNext() && topics.size() >= MAX_TOPICS * 9 / 10) {
      Owned o = it.next();
      if (o.truth.length == 0 && !o.scheduled) {
        it.remove();
      }
    }
  }
}
