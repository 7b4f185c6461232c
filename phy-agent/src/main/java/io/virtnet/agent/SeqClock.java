package io.virtnet.agent;

import io.virtnet.protocol.NetdevCodec;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An agent's event sequence numbers (docs/contract.md §4): one more than the last, but never behind
 * the time-based epoch ({@link NetdevCodec#seqEpoch}, microseconds), so numbers keep growing across
 * restarts, and a forged event numbered just above ours cannot hold our real events back for long.
 * Thread safe: a netlink source numbers its events on its reader thread.
 */
public final class SeqClock {
  private final Clock clock;
  private final AtomicLong last;

  /** A clock whose first number is past {@code clock}'s epoch now. */
  public SeqClock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.last = new AtomicLong(NetdevCodec.seqEpoch(clock.instant()));
  }

  /** The next number: {@code max(last + 1, epoch(now))}. */
  public long next() {
    long now = NetdevCodec.seqEpoch(clock.instant());
    return last.updateAndGet(l -> Math.max(l + 1, now));
  }

  /** The last number handed out (or the epoch at creation). */
  public long last() {
    return last.get();
  }
}
