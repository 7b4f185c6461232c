package io.virtnet.agent;

import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.RegState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The agent's {@code netdev_wait_allrefs}: a PHY unregistered while backends still hold it stays
 * UNREGISTERING, is rebroadcast (NETDEV_UNREGISTER) every {@code rebroadcastEvery} and warned about
 * every {@code warnEvery} with its usage count, until its last counting holder lets go (a holder
 * whose backend is offline does not count, see {@link Holders}). Pure: time comes in as arguments,
 * the caller arms one timer for {@link #nextDue()}. Not thread-safe.
 */
final class UnregisterWaiters {
  /** What is due at one instant: states to rebroadcast, devices to warn about. */
  record Due(List<NetdevState> rebroadcasts, List<Warning> warnings) {
    Due {
      rebroadcasts = List.copyOf(rebroadcasts);
      warnings = List.copyOf(warnings);
    }
  }

  /** {@code unregister_netdevice: waiting for {ifname} to become free. Usage count = {usage}}. */
  record Warning(String ifname, int usage, String holders) {}

  private static final class Waiter {
    final NetdevState state;
    Instant nextRebroadcast;
    Instant nextWarn;

    Waiter(NetdevState state, Instant nextRebroadcast, Instant nextWarn) {
      this.state = state;
      this.nextRebroadcast = nextRebroadcast;
      this.nextWarn = nextWarn;
    }
  }

  private final Holders holders;
  private final Duration rebroadcastEvery;
  private final Duration warnEvery;
  private final Map<String, Waiter> waiting = new LinkedHashMap<>();

  UnregisterWaiters(Holders holders, Duration rebroadcastEvery, Duration warnEvery) {
    this.holders = Objects.requireNonNull(holders, "holders");
    this.rebroadcastEvery = requirePositive(rebroadcastEvery, "rebroadcastInterval");
    this.warnEvery = requirePositive(warnEvery, "warnInterval");
  }

  /**
   * {@code state} (its device just unregistered) as it is published: UNREGISTERING, waited for, while
   * counting holders remain; otherwise UNREGISTERED and gone at once.
   */
  NetdevState unregister(NetdevState state, Instant now) {
    String name = state.ifname();
    if (holders.count(name) == 0) {
      waiting.remove(name);
      return state.withReg(RegState.UNREGISTERED);
    }
    NetdevState unregistering = state.withReg(RegState.UNREGISTERING);
    waiting.put(name, new Waiter(unregistering, now.plus(rebroadcastEvery), now.plus(warnEvery)));
    return unregistering;
  }

  /** Stops waiting for {@code name} (the kernel reused the name); returns whether it was waited for. */
  boolean forget(String name) {
    return waiting.remove(name) != null;
  }

  boolean isWaiting(String name) {
    return waiting.containsKey(name);
  }

  /** How many PHYs are unregistering. */
  int size() {
    return waiting.size();
  }

  /** Names whose last counting holder is gone, no longer waited for: their retained state must go. */
  List<String> released() {
    List<String> out = new ArrayList<>();
    waiting.keySet().removeIf(name -> {
      boolean free = holders.count(name) == 0;
      if (free) {
        out.add(name);
      }
      return free;
    });
    return out;
  }

  /** What is due at {@code now}; each waiter's next deadlines move past {@code now}. */
  Due due(Instant now) {
    List<NetdevState> rebroadcasts = new ArrayList<>();
    List<Warning> warnings = new ArrayList<>();
    waiting.forEach((name, w) -> {
      if (!now.isBefore(w.nextRebroadcast)) {
        rebroadcasts.add(w.state);
        w.nextRebroadcast = after(w.nextRebroadcast, rebroadcastEvery, now);
      }
      if (!now.isBefore(w.nextWarn)) {
        warnings.add(new Warning(name, holders.count(name), holders.describe(name)));
        w.nextWarn = after(w.nextWarn, warnEvery, now);
      }
    });
    return new Due(rebroadcasts, warnings);
  }

  /** The earliest deadline of any waiter, if one waits. */
  Optional<Instant> nextDue() {
    Instant min = null;
    for (Waiter w : waiting.values()) {
      Instant d = w.nextRebroadcast.isBefore(w.nextWarn) ? w.nextRebroadcast : w.nextWarn;
      if (min == null || d.isBefore(min)) {
        min = d;
      }
    }
    return Optional.ofNullable(min);
  }

  /** Stops waiting for every PHY (the agent stops; their UNREGISTERING states stay retained). */
  void clear() {
    waiting.clear();
  }

  /** The next deadline of a period, at a fixed rate, skipping periods missed while late. */
  private static Instant after(Instant deadline, Duration every, Instant now) {
    Instant next = deadline.plus(every);
    if (!next.isAfter(now)) {
      long missed = Duration.between(next, now).toNanos() / every.toNanos() + 1;
      next = next.plus(every.multipliedBy(missed));
    }
    return next;
  }

  private static Duration requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
