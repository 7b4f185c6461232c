package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Our path, through a running stack: carrier commands on {@code {prefix}/phy/{agent}/ethN/cmd} (hop 1
 * to the agent), NETDEV event to the backend (hop 2), config and IRQ to the frontend (hop 3), the
 * frontend's {@code link} view to this observer (hop 4). A view is paired with the command that caused
 * it through its {@code phyTs}: the observer also reads the PHY's {@code event} topic, whose n-th
 * NETDEV_CHANGE (ts = phyTs) is the PHY's n-th command.
 */
public final class StackPath implements AutoCloseable {
  private final BenchScenario scenario;
  private final Topics topics;
  private final InjectorClient publisher;
  private final InjectorClient observer;
  private final ObserverThread observerThread = new ObserverThread("bench-observer-ours");
  private final String[] cmdTopics;
  private final byte[] on = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, true));
  private final byte[] off = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, false));

  // pairing state, guarded by this
  private final boolean[] up;
  /** Instances whose view arrived live: a retained copy after that is older (the broker may send it late). */
  private final boolean[] seenLive;
  private int upCount;
  private boolean subscribed;
  private FlapRun run;
  private final List<Map<Instant, Integer>> eventK = new ArrayList<>();
  private final int[] eventsSeen;
  private final List<Map<Instant, List<long[]>>> unresolved = new ArrayList<>();
  private long unpaired;
  private long rejected;

  public StackPath(BenchScenario scenario, Topics topics, InjectorClient publisher, InjectorClient observer) {
    this.scenario = scenario;
    this.topics = topics;
    this.publisher = publisher;
    this.observer = observer;
    this.cmdTopics = new String[scenario.phys()];
    for (int p = 0; p < scenario.phys(); p++) {
      cmdTopics[p] = topics.phyCmd(BenchScenario.AGENT, BenchScenario.phyName(p));
      eventK.add(new HashMap<>());
      unresolved.add(new HashMap<>());
    }
    this.eventsSeen = new int[scenario.phys()];
    this.up = new boolean[scenario.instances()];
    this.seenLive = new boolean[scenario.instances()];
  }

  /**
   * Turns every PHY's carrier on and waits until every instance shows carrier on (the stack is up:
   * every instance probed, every driver live). The first call subscribes the link views first, and the
   * PHY events used for pairing after. Returns how long that took; throws when not ready within
   * {@code timeout}. Called before every round: the observer stays subscribed, as reconnecting clients
   * every round made the broker deoptimize its publish path just before the measurement.
   */
  public Duration prepare(Duration timeout) {
    long t0 = System.nanoTime();
    boolean first = !subscribed;
    if (first) {
      InjectorClient.join(observer.subscribe(topics.allLinks(), observerThread.handOff(this::onLink)), Duration.ofSeconds(30));
    }
    boolean[] down = downPhys(first);
    for (int p = 0; p < scenario.phys(); p++) {
      if (down[p]) {
        publisher.publish(cmdTopics[p], on, false);
      }
    }
    long deadline = t0 + timeout.toNanos();
    while (upCount() < scenario.instances()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + upCount() + " of " + scenario.instances()
            + " instances showed carrier on within " + timeout.toSeconds() + " s: is the stack configured for this scenario (bench --write-config)?");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    if (first) {
      String events = topics.allPhyEvents(BenchScenario.AGENT);
      InjectorClient.join(observer.subscribe(events, observerThread.handOff(this::onEvent)), Duration.ofSeconds(30));
      subscribed = true;
    }
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  /**
   * PHYs with an instance not showing carrier on: only those get "carrier on" (a no-op command to a PHY
   * that is up takes a branch the JIT had pruned, and its recompile landed in the next measurement).
   * All of them before the first views arrived.
   */
  synchronized boolean[] downPhys(boolean all) {
    boolean[] down = new boolean[scenario.phys()];
    for (int i = 0; i < up.length; i++) {
      down[scenario.phyOf(i)] |= all || !up[i];
    }
    return down;
  }

  synchronized int upCount() {
    return upCount;
  }

  /**
   * Runs the flaps of {@code round} (this path's PHYs and instances, its own times) through the stack;
   * {@code jitWarmup} as in {@link FlapRun}. Call {@link #prepare} before each round.
   */
  public FlapRun.Measurement run(BenchScenario round, Duration settle, boolean jitWarmup) {
    FlapRun r = new FlapRun(round, (p, k, value) -> publisher.publish(cmdTopics[p], value ? on : off, false), jitWarmup);
    synchronized (this) {
      // the n-th NETDEV_CHANGE of a PHY counted from here is its n-th command of this round
      Arrays.fill(eventsSeen, 0);
      eventK.forEach(Map::clear);
      unpaired += pending();
      unresolved.forEach(Map::clear);
      run = r;
    }
    try {
      return r.run(settle.toNanos());
    } finally {
      synchronized (this) {
        run = null;
      }
    }
  }

  /** Views whose {@code phyTs} matched no PHY event of the run, and unreadable messages. */
  public synchronized long unpaired() {
    return unpaired + pending() + rejected;
  }

  private long pending() {
    long pending = 0;
    for (Map<Instant, List<long[]>> m : unresolved) {
      for (List<long[]> l : m.values()) {
        pending += l.size();
      }
    }
    return pending;
  }

  @Override
  public void close() {
    observerThread.close();
  }

  void onLink(InjectorClient.Message m) {
    if (m.payload().length == 0) {
      return;
    }
    String topic = m.topic();
    int end = topic.lastIndexOf('/');
    int start = topic.lastIndexOf('/', end - 1);
    int i = BenchScenario.instanceIndex(topic.substring(start + 1, end));
    LinkView v;
    try {
      v = Codecs.LINK_VIEW.decode(m.payload());
    } catch (InvalidMessageException | IllegalArgumentException e) {
      synchronized (this) {
        rejected++;
      }
      return;
    }
    if (i < 0 || i >= scenario.instances()) {
      return;
    }
    FlapRun r;
    int k;
    synchronized (this) {
      if (m.retained() && seenLive[i]) {
        // HiveMQ reads the retained store at SUBSCRIBE and may deliver that copy after a live view that
        // superseded it: counting it would leave the instance down (seen once: 61 of 64 ready)
        return;
      }
      seenLive[i] |= !m.retained();
      if (v.carrier() != up[i]) {
        up[i] = v.carrier();
        upCount += v.carrier() ? 1 : -1;
      }
      if (run == null) {
        return;
      }
      r = run;
      int p = scenario.phyOf(i);
      Integer known = v.phyTs() == null ? null : eventK.get(p).get(v.phyTs());
      if (known == null) {
        if (v.phyTs() == null) {
          unpaired++;
        } else {
          unresolved.get(p).computeIfAbsent(v.phyTs(), t -> new ArrayList<>())
              .add(new long[] {i, m.receivedNanos(), v.carrier() ? 1 : 0});
        }
        r.shown(i, v.carrier());
        return;
      }
      k = known;
    }
    r.delivered(i, k, m.receivedNanos(), v.carrier());
    r.shown(i, v.carrier());
  }

  private void onEvent(InjectorClient.Message m) {
    NetdevEvent e;
    try {
      e = Codecs.NETDEV_EVENT.decode(m.payload());
    } catch (InvalidMessageException ex) {
      return;
    }
    if (e.event() != NetdevCmd.NETDEV_CHANGE || !e.state().ifname().startsWith("eth")) {
      return;
    }
    int p;
    try {
      p = Integer.parseInt(e.state().ifname().substring(3));
    } catch (NumberFormatException ex) {
      return;
    }
    if (p >= scenario.phys()) {
      return;
    }
    List<long[]> waiting;
    FlapRun r;
    int k;
    synchronized (this) {
      if (run == null) {
        return;
      }
      k = eventsSeen[p]++;
      eventK.get(p).put(e.state().ts(), k);
      waiting = unresolved.get(p).remove(e.state().ts());
      r = run;
    }
    if (waiting != null) {
      for (long[] w : waiting) {
        int i = (int) w[0];
        r.delivered(i, k, w[1], w[2] == 1);
        synchronized (this) {
          r.shown(i, up[i]); // a later view may have come meanwhile: the instance shows what it showed last
        }
      }
    }
  }
}
