package io.virtnet.agent;

import io.vertx.core.Vertx;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.RegState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what the PHY source reports into publishes (each event, then each touched PHY's final
 * retained state or its clearing) and drives {@link UnregisterWaiters} with one timer. Used on the
 * agent's context.
 */
final class PhyChanges {
  private static final Logger LOG = LoggerFactory.getLogger(PhyChanges.class);

  private final Vertx vertx;
  private final NetdevPublisher out;
  private final UnregisterWaiters waiters;
  private final Holders holders;
  private final SeqClock seq;
  private final Clock clock;
  private long timer = -1;
  private boolean stopped;

  PhyChanges(Vertx vertx, NetdevPublisher out, UnregisterWaiters waiters, Holders holders, SeqClock seq, Clock clock) {
    this.vertx = vertx;
    this.out = out;
    this.waiters = waiters;
    this.holders = holders;
    this.seq = seq;
    this.clock = clock;
  }

  /** Publishes {@code change}. */
  void apply(PhyChange change) {
    if (stopped) {
      return;
    }
    Map<String, Optional<NetdevState>> finals = new LinkedHashMap<>();
    for (NetdevEvent e : change.events()) {
      String name = e.state().ifname();
      NetdevEvent published = e;
      if (e.event() == NetdevCmd.NETDEV_REGISTER && waiters.forget(name)) {
        // only a netlink source gets here: the kernel reused the name; the new device takes it
        LOG.info("{}: registered again while the previous {} still waited for {}", name, name, holders.describe(name));
      }
      if (e.event() == NetdevCmd.NETDEV_UNREGISTER) {
        NetdevState s = waiters.unregister(e.state(), clock.instant());
        published = new NetdevEvent(e.event(), e.seq(), s, e.oldIfname());
        if (s.reg() == RegState.UNREGISTERING) {
          LOG.info("{}: unregistered; waiting for {} holder(s) to release it: {}", name, holders.count(name),
              holders.describe(name));
          finals.put(name, Optional.of(s));
        } else {
          finals.put(name, Optional.empty());
        }
      } else {
        finals.put(name, Optional.of(e.state()));
      }
      out.event(name, published);
      if (e.event() == NetdevCmd.NETDEV_CHANGENAME && e.oldIfname() != null) {
        // watchers of the old name learn the rename on their topic; its state goes away
        out.event(e.oldIfname(), published);
        finals.put(e.oldIfname(), Optional.empty());
      }
    }
    for (NetdevState s : change.silentStates()) {
      finals.put(s.ifname(), Optional.of(s));
    }
    finals.forEach((name, state) -> state.ifPresentOrElse(out::state, () -> out.clear(name)));
    rearm();
  }

  /** When the last counting hold on an unregistering PHY is gone, so is the PHY. */
  void releaseFree() {
    for (String name : waiters.released()) {
      out.clear(name);
      LOG.info("{}: the last holder released it; the device is gone", name);
    }
    rearm();
  }

  /** Stops the timer; unregistering states stay retained (the devices are still held as we go). */
  void stop() {
    stopped = true;
    waiters.clear();
    vertx.cancelTimer(timer);
  }

  private void onDue() {
    timer = -1;
    if (stopped) {
      return;
    }
    Instant now = clock.instant();
    UnregisterWaiters.Due due = waiters.due(now);
    for (NetdevState s : due.rebroadcasts()) {
      long n = seq.next();
      out.event(s.ifname(), new NetdevEvent(NetdevCmd.NETDEV_UNREGISTER, n, s.withSeq(n, now), null));
    }
    for (UnregisterWaiters.Warning w : due.warnings()) {
      LOG.warn("unregister_netdevice: waiting for {} to become free. Usage count = {} ({})", w.ifname(), w.usage(),
          w.holders());
    }
    rearm();
  }

  private void rearm() {
    vertx.cancelTimer(timer);
    timer = -1;
    if (stopped) {
      return;
    }
    waiters.nextDue().ifPresent(at -> {
      long ms = Math.max(1, Duration.between(clock.instant(), at).toMillis());
      timer = vertx.setTimer(ms, id -> onDue());
    });
  }
}
