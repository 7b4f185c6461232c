package io.virtnet.runtime.retained;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The retained topics one party owns (docs/contract.md §3: every retained topic has one owner, which
 * re-asserts it when another client clears or overwrites it): what it last published on each (its
 * truth), the echoes of its publishes still on the way (a broker sends a subscriber its own publishes
 * too, in order), and what it has seen there since. A value that is neither the truth nor such an echo
 * was written by another client and is re-asserted at once; but when another client keeps overwriting
 * a topic ({@link Policy#conflictAfter} times within {@link Policy#conflictWindow}: one name served
 * twice), that is a conflict: it is reported and re-assertions back off exponentially up to
 * {@link Policy#backoffMax}, so two owners do not overwrite each other in a loop. A topic leaves the
 * conflict after {@link Policy#quiet()} without foreign writes. The caller publishes and runs the
 * timers; this class only judges. Pure, on a millisecond clock; not thread-safe.
 */
public final class RetainedOwnership {
  /** When overwrites become a conflict, and how re-assertions then back off. */
  public record Policy(int conflictAfter, Duration conflictWindow, Duration backoffMin, Duration backoffMax) {
    /** Five foreign writes within 5 s; re-assert after 1 s, 2 s, 4 s … at most every 30 s. */
    public static final Policy DEFAULT = new Policy(5, Duration.ofSeconds(5), Duration.ofSeconds(1),
        Duration.ofSeconds(30));

    public Policy {
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
    public Duration quiet() {
      return backoffMax.multipliedBy(4);
    }
  }

  /**
   * What to do about a value seen on a topic: nothing, or re-assert after {@code delay} (then call
   * {@link #reassert}). {@code conflictBegins} marks the write that made it a conflict;
   * {@code reportConflict} that one and then one write per {@link Policy#conflictWindow} while the
   * conflict goes on (to report it again without flooding); {@code foreignInWindow} counts the foreign
   * writes within the window, 0 for a value of ours.
   */
  public record Verdict(boolean reassert, Duration delay, boolean conflictBegins, boolean reportConflict,
      int foreignInWindow) {
    public static final Verdict NONE = new Verdict(false, Duration.ZERO, false, false, 0);
  }

  /**
   * How long an own publish is expected back. A storm publishes faster than the echoes return, so
   * the pending echoes are bounded by age (and a hard cap against memory), not by a small count.
   */
  public static final Duration ECHO_TTL = Duration.ofSeconds(30);
  /** Own publishes expected back per topic at most; older ones are forgotten past this. */
  public static final int MAX_ECHOES = 100_000;
  /** Topics tracked at most; past this, those whose truth is empty are forgotten, oldest first. */
  public static final int MAX_TOPICS = 10_000;

  private static final byte[] EMPTY = new byte[0];

  private record Echo(byte[] payload, long atMs) {}

  private static final class Owned {
    byte[] truth = EMPTY;
    byte[] lastSeen;
    boolean released;
    /** Another client wrote live before arming: stored maybe after our echo's value; re-asserted on arming. */
    boolean doubted;
    final ArrayDeque<Echo> echoes = new ArrayDeque<>();
    final ArrayDeque<Long> foreign = new ArrayDeque<>();
    long lastForeignMs = Long.MIN_VALUE;
    long lastReportMs;
    boolean conflict;
    int level;
    boolean scheduled;
  }

  private final Policy policy;
  private final LongSupplier nowMs;
  /** Whether every topic shown is owned (absent = an empty truth), or only those published. */
  private final boolean ownsEveryTopicShown;
  private final Map<String, Owned> topics = new LinkedHashMap<>();
  private boolean armed;

  private RetainedOwnership(Policy policy, LongSupplier nowMs, boolean ownsEveryTopicShown, boolean armed) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.nowMs = Objects.requireNonNull(nowMs, "nowMs");
    this.ownsEveryTopicShown = ownsEveryTopicShown;
    this.armed = armed;
  }

  /**
   * Owns the topics it publishes (an empty payload is a clear, still owned, until {@link #release});
   * values on other topics are not its business. Judges from the start.
   */
  public static RetainedOwnership ofPublished(Policy policy, LongSupplier nowMs) {
    return new RetainedOwnership(policy, nowMs, false, true);
  }

  /**
   * Owns every topic it is shown (the caller filters its namespace): one never published holds an empty
   * truth, so a value forged there is cleared. Values are only recorded until {@link #arm()}, while the
   * owner's start publishes its truths.
   */
  public static RetainedOwnership ofNamespace(Policy policy, LongSupplier nowMs) {
    return new RetainedOwnership(policy, nowMs, true, false);
  }

  public Policy policy() {
    return policy;
  }

  /** Records a publish of ours (empty = clear): the topic's new truth, whose echo is expected. */
  public void published(String topic, byte[] payload) {
    Owned o = owned(topic);
    o.truth = payload.clone();
    o.released = false;
    o.doubted = false;
    long now = nowMs.getAsLong();
    long expired = now - ECHO_TTL.toMillis();
    while (!o.echoes.isEmpty() && (o.echoes.size() >= MAX_ECHOES || o.echoes.peekFirst().atMs() < expired)) {
      o.echoes.removeFirst(); // not delivered back (a broker ACL without read, say)
    }
    o.echoes.addLast(new Echo(o.truth, now));
  }

  /**
   * The topic is no longer ours to defend (published cleared, the driver gone): anyone may write there.
   * Forgotten once the echoes still expected are back.
   */
  public void release(String topic) {
    Owned o = topics.get(topic);
    if (o != null) {
      o.released = true;
      o.scheduled = false;
      forgetIfSettled(topic, o);
    }
  }

  /**
   * After a reconnect echoes of earlier publishes may never come, but the session restores the truth of
   * each topic: its echo is expected, and it may arrive after a newer value published on reconnecting,
   * so it must not be taken for another client's overwrite.
   */
  public void reconnected() {
    long now = nowMs.getAsLong();
    topics.values().forEach(o -> {
      o.echoes.clear();
      if (!o.released) {
        o.echoes.addLast(new Echo(o.truth, now));
      }
    });
  }

  /** {@link #observed(String, byte[], boolean)} of a live value (not sent because of a subscription). */
  public Verdict observed(String topic, byte[] payload) {
    return observed(topic, payload, false);
  }

  /**
   * A value seen on {@code topic}, {@code retainedDelivery} when the broker sent it because of a
   * subscription (stored state, not a live write): ours ({@link Verdict#NONE}) or another client's, with
   * what to do about it. Before {@link #arm} it is only recorded.
   */
  public Verdict observed(String topic, byte[] payload, boolean retainedDelivery) {
    Owned o = ownsEveryTopicShown ? owned(topic) : topics.get(topic);
    if (o == null) {
      return Verdict.NONE;
    }
    o.lastSeen = payload.clone();
    boolean echo = consumeEcho(o, payload);
    boolean truth = Arrays.equals(payload, o.truth);
    // a stored value older than our publish is harmless; a live write may have been stored after it (a broker
    // need not hand two publishers' messages to every subscriber in the order it stored them)
    o.doubted |= !armed && !echo && !truth && !retainedDelivery && !o.released;
    if (echo || o.released || !armed || truth) {
      forgetIfSettled(topic, o);
      return Verdict.NONE;
    }
    return foreign(o);
  }

  /**
   * From now on foreign values are judged; returns the topics whose last value seen before is foreign
   * (no echo of ours pending after it), or that another client wrote live meanwhile, each with its verdict.
   */
  public Map<String, Verdict> arm() {
    armed = true;
    Map<String, Verdict> out = new LinkedHashMap<>();
    topics.forEach((topic, o) -> {
      boolean foreignLast = o.lastSeen != null && o.echoes.isEmpty() && !Arrays.equals(o.lastSeen, o.truth);
      if (!o.released && (foreignLast || o.doubted)) {
        out.put(topic, foreign(o));
      }
    });
    return out;
  }

  /**
   * The re-assertion of {@code topic} is due: the truth to publish again, or empty when the topic
   * already holds it (someone put it back meanwhile) or is not ours any more.
   */
  public Optional<byte[]> reassert(String topic) {
    Owned o = topics.get(topic);
    if (o == null) {
      return ownsEveryTopicShown ? Optional.of(EMPTY.clone()) : Optional.empty();
    }
    o.scheduled = false;
    boolean holdsIt = o.lastSeen != null && Arrays.equals(o.lastSeen, o.truth) && !o.doubted;
    return holdsIt || o.released ? Optional.empty() : Optional.of(o.truth.clone());
  }

  /** The truth held on {@code topic}, null when not owned. */
  public byte[] held(String topic) {
    Owned o = topics.get(topic);
    return o == null || o.released ? null : o.truth.clone();
  }

  /** The topics in conflict now. */
  public List<String> conflicts() {
    long now = nowMs.getAsLong();
    List<String> out = new ArrayList<>();
    topics.forEach((topic, o) -> {
      if (inConflict(o, now)) {
        out.add(topic);
      }
    });
    return out;
  }

  /** Whether {@code topic} is in conflict now. */
  public boolean inConflict(String topic) {
    Owned o = topics.get(topic);
    return o != null && inConflict(o, nowMs.getAsLong());
  }

  /** Topics tracked now (bounded by {@link #MAX_TOPICS}). */
  public int size() {
    return topics.size();
  }

  private Verdict foreign(Owned o) {
    long now = nowMs.getAsLong();
    if (o.conflict && !inConflict(o, now)) {
      o.conflict = false;
      o.level = 0;
    }
    o.lastForeignMs = now;
    o.foreign.addLast(now);
    long from = now - policy.conflictWindow().toMillis();
    while (!o.foreign.isEmpty() && o.foreign.peekFirst() < from) {
      o.foreign.removeFirst();
    }
    int inWindow = o.foreign.size();
    boolean begins = !o.conflict && inWindow >= policy.conflictAfter();
    o.conflict |= begins;
    boolean report = begins || o.conflict && now - o.lastReportMs >= policy.conflictWindow().toMillis();
    if (report) {
      o.lastReportMs = now;
    }
    if (o.scheduled) {
      return new Verdict(false, Duration.ZERO, false, report, inWindow); // the re-assertion to come covers it
    }
    if (!o.conflict) {
      return new Verdict(true, Duration.ZERO, false, false, inWindow);
    }
    Duration delay = policy.backoffMin().multipliedBy(1L << Math.min(o.level, 20));
    if (delay.compareTo(policy.backoffMax()) > 0) {
      delay = policy.backoffMax();
    }
    o.level++;
    o.scheduled = true;
    return new Verdict(true, delay, begins, report, inWindow);
  }

  private boolean inConflict(Owned o, long now) {
    return o.conflict && now - o.lastForeignMs <= policy.quiet().toMillis();
  }

  /**
   * A topic that needs no memory is forgotten (garbage on ever new names must not grow it): a released
   * one whose echoes are back; or, when every topic shown is owned, one empty as it should be with
   * nothing pending and no recent foreign write.
   */
  private void forgetIfSettled(String topic, Owned o) {
    if (!o.echoes.isEmpty() || o.scheduled || o.doubted) {
      return;
    }
    long settledAfter = policy.quiet().plus(policy.conflictWindow()).toMillis();
    boolean emptyAndQuiet = ownsEveryTopicShown && o.truth.length == 0 && o.lastSeen != null
        && o.lastSeen.length == 0 && (o.lastForeignMs == Long.MIN_VALUE || nowMs.getAsLong() - o.lastForeignMs > settledAfter);
    if (o.released || emptyAndQuiet) {
      topics.remove(topic);
    }
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
      if ((o.truth.length == 0 || o.released) && !o.scheduled) {
        it.remove();
      }
    }
  }
}
