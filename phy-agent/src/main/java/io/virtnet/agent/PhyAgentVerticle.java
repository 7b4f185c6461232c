package io.virtnet.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.agent.sim.SimPhySource;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevCodec;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MqttMetrics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PHY agent of one host: publishes its PHYs' NETDEV events and retained state, takes sim
 * commands, tracks the backends' reference holds and models {@code netdev_wait_allrefs} for PHYs
 * unregistered while still held. One {@link MqttSession} ({@code vnet-agent-{name}}, will
 * {@code {"state":"offline"}} retained on {@code vnet/phy/{agent}/status}).
 *
 * <p>{@link #start()} completes once connected, subscribed, online and every PHY's initial state is
 * acknowledged by the broker. Every inbound payload is validated; bad input is logged and counted
 * ({@code vnet_rejected_messages_total{service="phy-agent"}}) and changes nothing.
 */
public final class PhyAgentVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(PhyAgentVerticle.class);

  public static final String SERVICE = "phy-agent";
  /** {@code netdev_wait_allrefs} rebroadcasts NETDEV_UNREGISTER every second… */
  public static final Duration DEFAULT_REBROADCAST_INTERVAL = Duration.ofSeconds(1);
  /** …and warns every ten. */
  public static final Duration DEFAULT_WARN_INTERVAL = Duration.ofSeconds(10);
  /** How long after a reconnection retained holds may take to arrive before missing ones are dropped. */
  static final Duration RESYNC_GRACE = Duration.ofSeconds(2);
  private static final long CLOSE_FLUSH_MS = 2_000;
  /** The will: fixed at connect time, so it carries no timestamp. */
  private static final Buffer OFFLINE_WILL = Buffer.buffer("{\"state\":\"offline\"}");

  private final AgentConfig config;
  private final String agent;
  private final Topics topics;
  private final MqttSessionOptions sessionOptions;
  private final MeterRegistry registry;
  private final PhySource.Factory sourceFactory;
  private final Duration rebroadcastInterval;
  private final Duration warnInterval;
  private final Rejections rejections;
  private final Holders holders = new Holders();
  /** The last retained state published per name (absent once cleared). */
  private final Map<String, NetdevState> published = new HashMap<>();
  private final Map<String, Waiter> waiting = new LinkedHashMap<>();
  private final Map<NetdevCmd, Counter> eventCounters = new EnumMap<>(NetdevCmd.class);
  private final String statusTopic;

  private AtomicLong seq;
  private MqttSession session;
  private PhySource source;
  private Gauge unregisteringGauge;
  /** Publishes start() waits for; null once started. */
  private List<Future<Void>> startupPublishes;
  /** Names with a retained state from an earlier run; null once started. */
  private Set<String> retainedAtStart;
  private MqttSession.Subscription ownStates;
  private boolean stopping;
  private Future<Void> stopFuture;

  /** A PHY unregistered while still held: {@code netdev_wait_allrefs} in progress. */
  private static final class Waiter {
    final NetdevState state;
    long rebroadcastTimer;
    long warnTimer;

    Waiter(NetdevState state) {
      this.state = state;
    }
  }

  /** An agent with the source its config names and the kernel's 1 s / 10 s unregister intervals. */
  public PhyAgentVerticle(AgentConfig config, MqttConfig mqtt, MqttSessionOptions options, MeterRegistry registry) {
    this(config, mqtt, options, registry, PhyAgentVerticle::defaultSource, DEFAULT_REBROADCAST_INTERVAL,
        DEFAULT_WARN_INTERVAL);
  }

  /**
   * An agent with its own PHY source factory and unregister intervals.
   *
   * @param options broker options; the client id is replaced by {@code vnet-agent-{name}} and the will set
   * @param rebroadcastInterval how often an unregistering PHY rebroadcasts NETDEV_UNREGISTER
   * @param warnInterval how often it logs the usage-count warning
   */
  public PhyAgentVerticle(AgentConfig config, MqttConfig mqtt, MqttSessionOptions options, MeterRegistry registry,
      PhySource.Factory sourceFactory, Duration rebroadcastInterval, Duration warnInterval) {
    this.config = Objects.requireNonNull(config, "config");
    this.agent = config.name();
    this.topics = mqtt.topics();
    this.registry = Objects.requireNonNull(registry, "registry");
    this.sourceFactory = Objects.requireNonNull(sourceFactory, "sourceFactory");
    this.rebroadcastInterval = requirePositive(rebroadcastInterval, "rebroadcastInterval");
    this.warnInterval = requirePositive(warnInterval, "warnInterval");
    this.statusTopic = topics.phyStatus(agent);
    this.sessionOptions = options.withClientId(clientId(agent))
        .withWill(new MqttSessionOptions.Will(statusTopic, OFFLINE_WILL, true));
    this.rejections = new Rejections(registry, SERVICE);
  }

  /** The MQTT client id of agent {@code name}. */
  public static String clientId(String name) {
    return "vnet-agent-" + name;
  }

  /**
   * The source {@code config.source()} names: the sim, or (not wired into this verticle yet) netlink,
   * which fails with a clear message; pass a {@link PhySource.Factory} to use another.
   */
  public static PhySource defaultSource(Vertx vertx, AgentConfig config, LongSupplier seq) {
    return switch (config.source()) {
      case SIM -> SimPhySource.create(config, seq);
      case NETLINK -> io.virtnet.agent.netlink.NetlinkPhySource.create(vertx, config, seq);
    };
  }

  /**
   * The next event sequence number: one more than the last, but never behind the microsecond clock,
   * so a restart, or a forged event numbered just above ours, cannot hold our real events back.
   */
  private long nextSeq() {
    return seq.updateAndGet(last -> Math.max(last + 1, NetdevCodec.seqEpoch(Instant.now())));
  }

  public AgentConfig agentConfig() {
    return config;
  }

  @Override
  public Future<?> start() {
    seq = new AtomicLong(NetdevCodec.seqEpoch(Instant.now()));
    try {
      source = sourceFactory.create(vertx, config, this::nextSeq);
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalStateException(
          SERVICE + " " + agent + " (source " + config.source().wireName() + "): " + e.getMessage(), e));
    }
    startupPublishes = new ArrayList<>();
    retainedAtStart = new HashSet<>();
    unregisteringGauge = Gauge.builder("vnet_agent_unregistering", waiting, Map::size)
        .description("PHYs unregistered but still held (netdev_wait_allrefs)")
        .tag("agent", agent)
        .register(registry);
    session = MqttSession.create(vertx, sessionOptions);
    session.onReconnect(this::onReconnect);
    MqttMetrics.reconnects(registry, SERVICE + "-" + agent, session);
    String phyFilter = topics.prefix() + "/phy/" + agent + "/+/";
    return session.start()
        .compose(v -> {
          List<Future<?>> subs = new ArrayList<>();
          subs.add(session.subscribe(phyFilter + "state", this::onOwnState).onSuccess(s -> ownStates = s));
          subs.add(session.subscribe(topics.allPhyRefs(agent), this::onRef));
          subs.add(session.subscribe(topics.allBackendStatus(), this::onBackendStatus));
          if (source.acceptsCommands()) {
            subs.add(session.subscribe(topics.allPhyCmds(agent), this::onCommand));
          }
          return Future.all(subs);
        })
        .compose(v -> session.publish(statusTopic, new ServiceStatus(true, Instant.now()).encode(), true))
        .compose(v -> source.start(this::onSourceEvents))
        .compose(v -> {
          // a source that delivered on another thread: its batch is queued on our context before this
          for (NetdevState s : source.snapshot()) {
            if (!published.containsKey(s.ifname())) {
              publishState(s);
            }
          }
          return Future.all(startupPublishes);
        })
        .compose(v -> clearStaleStates())
        .<Void>mapEmpty()
        .onSuccess(v -> {
          startupPublishes = null;
          LOG.info("{} {} ({} source) publishing {} PHY(s) on {}", SERVICE, agent, config.source().wireName(),
              published.size(), sessionOptions.uri());
        })
        .recover(e -> stopAll().transform(ar -> Future.<Void>failedFuture(e)));
  }

  /**
   * Publishes {@code offline} (retained, so watchers see a clean stop rather than the will), stops the
   * source and timers and closes the session after flushing. Safe to call twice.
   */
  @Override
  public Future<?> stop() {
    return stopAll();
  }

  private Future<Void> stopAll() {
    if (stopFuture != null) {
      return stopFuture;
    }
    stopping = true;
    // UNREGISTERING states stay retained: the device is still held when we go away
    waiting.values().forEach(this::cancelTimers);
    waiting.clear();
    Future<Void> sourceStopped = source == null ? Future.succeededFuture()
        : source.stop().recover(e -> {
          LOG.warn("{} {}: PHY source did not stop cleanly: {}", SERVICE, agent, e.getMessage());
          return Future.succeededFuture();
        });
    stopFuture = sourceStopped
        .compose(v -> session == null ? Future.<Void>succeededFuture()
            : session.publish(statusTopic, new ServiceStatus(false, Instant.now()).encode(), true)
                .recover(e -> Future.succeededFuture()))
        .compose(v -> session == null ? Future.<Void>succeededFuture() : session.close(CLOSE_FLUSH_MS))
        .onComplete(ar -> {
          if (unregisteringGauge != null) {
            registry.remove(unregisteringGauge);
          }
          LOG.info("{} {} stopped; rejected messages: {}", SERVICE, agent, rejections.summary());
        });
    return stopFuture;
  }

  /** The references on {@code ifname} that count now (diagnostics, tests). */
  public Future<Integer> usageCount(String ifname) {
    Promise<Integer> p = Promise.promise();
    if (context == null) {
      p.fail(new IllegalStateException("not deployed"));
    } else {
      context.runOnContext(v -> p.complete(holders.count(ifname)));
    }
    return p.future();
  }

  // ---- source side ----

  private void onSourceEvents(List<NetdevEvent> events) {
    if (Vertx.currentContext() == context) {
      apply(PhyChange.of(events));
    } else {
      context.runOnContext(v -> apply(PhyChange.of(events)));
    }
  }

  /** Publishes a change: each event, then each touched PHY's final retained state (or its clearing). */
  private void apply(PhyChange change) {
    if (stopping) {
      return;
    }
    Map<String, Optional<NetdevState>> finals = new LinkedHashMap<>();
    for (NetdevEvent e : change.events()) {
      String name = e.state().ifname();
      NetdevEvent out = e;
      if (e.event() == NetdevCmd.NETDEV_REGISTER) {
        Waiter old = waiting.remove(name);
        if (old != null) {
          // only a netlink source gets here: the kernel reused the name; the new device takes it
          cancelTimers(old);
          LOG.info("{}: registered again while the previous {} still waited for {}", name, name, holders.describe(name));
        }
      }
      if (e.event() == NetdevCmd.NETDEV_UNREGISTER) {
        int held = holders.count(name);
        out = withState(e, withReg(e.state(), held > 0 ? RegState.UNREGISTERING : RegState.UNREGISTERED));
        if (held > 0) {
          startWaiting(name, out.state(), held);
          finals.put(name, Optional.of(out.state()));
        } else {
          finals.put(name, Optional.empty());
        }
      } else {
        finals.put(name, Optional.of(out.state()));
      }
      publishEvent(name, out);
      if (e.event() == NetdevCmd.NETDEV_CHANGENAME && e.oldIfname() != null) {
        // watchers of the old name learn the rename on their topic; its state goes away
        publishEvent(e.oldIfname(), out);
        finals.put(e.oldIfname(), Optional.empty());
      }
    }
    for (NetdevState s : change.silentStates()) {
      finals.put(s.ifname(), Optional.of(s));
    }
    finals.forEach((name, state) -> {
      if (state.isPresent()) {
        publishState(state.get());
      } else {
        clearState(name);
      }
    });
  }

  private void publishEvent(String topicIfname, NetdevEvent e) {
    eventCounters.computeIfAbsent(e.event(), cmd -> Counter.builder("vnet_agent_events")
        .description("NETDEV events published")
        .tag("agent", agent)
        .tag("event", cmd.name())
        .register(registry)).increment();
    track(session.publish(topics.phyEvent(agent, topicIfname), NetdevCodec.encode(e), false));
  }

  private void publishState(NetdevState s) {
    published.put(s.ifname(), s);
    track(session.publish(topics.phyState(agent, s.ifname()), NetdevCodec.encode(s), true));
  }

  private void clearState(String ifname) {
    published.remove(ifname);
    track(session.publish(topics.phyState(agent, ifname), Buffer.buffer(), true));
  }

  private void track(Future<Void> publish) {
    if (startupPublishes != null) {
      startupPublishes.add(publish);
    }
    publish.onFailure(e -> LOG.debug("{} {}: publish failed: {}", SERVICE, agent, e.getMessage()));
  }

  // ---- netdev_wait_allrefs ----

  private void startWaiting(String name, NetdevState state, int held) {
    Waiter w = new Waiter(state);
    w.rebroadcastTimer = vertx.setPeriodic(rebroadcastInterval.toMillis(), id -> rebroadcast(name));
    w.warnTimer = vertx.setPeriodic(warnInterval.toMillis(), id -> warnStillHeld(name));
    Waiter old = waiting.put(name, w);
    if (old != null) {
      cancelTimers(old);
    }
    LOG.info("{}: unregistered; waiting for {} holder(s) to release it: {}", name, held, holders.describe(name));
  }

  private void rebroadcast(String name) {
    Waiter w = waiting.get(name);
    if (w == null || stopping) {
      return;
    }
    long s = nextSeq();
    publishEvent(name, new NetdevEvent(NetdevCmd.NETDEV_UNREGISTER, s, w.state.withSeq(s, Instant.now()), null));
  }

  private void warnStillHeld(String name) {
    if (waiting.containsKey(name)) {
      LOG.warn("unregister_netdevice: waiting for {} to become free. Usage count = {} ({})", name,
          holders.count(name), holders.describe(name));
    }
  }

  /** When the last counting hold on an unregistering PHY is gone, so is the PHY. */
  private void recheck(String name) {
    Waiter w = waiting.get(name);
    if (w == null || holders.count(name) > 0) {
      return;
    }
    waiting.remove(name);
    cancelTimers(w);
    clearState(name);
    LOG.info("{}: the last holder released it; the device is gone", name);
  }

  private void recheckAll() {
    for (String name : List.copyOf(waiting.keySet())) {
      recheck(name);
    }
  }

  private void cancelTimers(Waiter w) {
    vertx.cancelTimer(w.rebroadcastTimer);
    vertx.cancelTimer(w.warnTimer);
  }

  private void onReconnect() {
    long gen = holders.beginResync();
    vertx.setTimer(RESYNC_GRACE.toMillis(), t -> {
      if (!stopping) {
        holders.endResync(gen);
        recheckAll();
      }
    });
  }

  // ---- inbound ----

  private void onCommand(InboundMessage m) {
    try {
      TopicName t = topics.parse(m.topic());
      if (!(t instanceof TopicName.PhyCmd c) || !c.agent().equals(agent)) {
        rejections.reject(m.topic(), "unexpected-topic", "not a command topic of agent " + agent);
        return;
      }
      if (m.retained()) {
        // a retained command would be replayed at every restart
        throw InvalidMessageException.of("retained-command", "commands must not be retained; ignoring it");
      }
      PhyCommand cmd = PhyCommand.decode(m.payload());
      String ifname = c.ifname();
      if (cmd.op() == PhyCommand.Op.REGISTER && waiting.containsKey(ifname)) {
        throw stillUnregistering("register " + ifname, ifname);
      }
      if (cmd.op() == PhyCommand.Op.RENAME && waiting.containsKey((String) cmd.value())) {
        throw stillUnregistering("rename " + ifname + " to " + cmd.value(), (String) cmd.value());
      }
      PhyChange change = source.command(ifname, cmd);
      if (change.isEmpty()) {
        LOG.debug("{} {} on {}: nothing changes", cmd.op().wireName(), cmd.value(), ifname);
        return;
      }
      apply(change);
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
    }
  }

  private InvalidMessageException stillUnregistering(String what, String name) {
    return InvalidMessageException.of("device-busy", what + ": the previous " + name
        + " is still unregistering (usage count " + holders.count(name) + ": " + holders.describe(name)
        + "); refused until its holders release it");
  }

  private void onRef(InboundMessage m) {
    try {
      TopicName t = topics.parse(m.topic());
      if (!(t instanceof TopicName.PhyRef r) || !r.agent().equals(agent)) {
        rejections.reject(m.topic(), "unexpected-topic", "not a ref topic of agent " + agent);
        return;
      }
      if (m.payload().length() == 0) {
        if (holders.put(r.ifname(), r.holder())) {
          LOG.debug("{}: {} released its hold", r.ifname(), r.holder());
          recheck(r.ifname());
        }
        return;
      }
      RefHold h = RefHold.decode(m.payload());
      if (!h.holder().equals(r.holder())) {
        throw InvalidMessageException.of("holder-mismatch", "payload holder '" + h.holder()
            + "' differs from the topic's '" + r.holder() + "'");
      }
      holders.hold(r.ifname(), r.holder(), h.node());
      LOG.debug("{}: held by {}@{}", r.ifname(), r.holder(), h.node());
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
    }
  }

  private void onBackendStatus(InboundMessage m) {
    try {
      TopicName t = topics.parse(m.topic());
      if (!(t instanceof TopicName.BackendStatus b)) {
        rejections.reject(m.topic(), "unexpected-topic", "not a backend status topic");
        return;
      }
      if (m.payload().length() == 0) {
        holders.forgetNode(b.node());
        return;
      }
      ServiceStatus s = ServiceStatus.decode(m.payload());
      if (holders.nodeStatus(b.node(), s.online())) {
        LOG.info("backend {} is {}: its holds {}", b.node(), s.online() ? "online" : "offline",
            s.online() ? "count again" : "no longer count");
      }
      if (!s.online()) {
        recheckAll();
      }
    } catch (InvalidMessageException e) {
      rejections.reject(m.topic(), e);
    }
  }

  /** Our own retained states, read once at start to clear PHYs an earlier run left behind. */
  private void onOwnState(InboundMessage m) {
    if (retainedAtStart == null || !m.retained() || m.payload().length() == 0) {
      return;
    }
    try {
      if (topics.parse(m.topic()) instanceof TopicName.PhyState s) {
        retainedAtStart.add(s.ifname());
      }
    } catch (InvalidMessageException e) {
      LOG.debug("ignoring retained state on {}: {}", Names.printable(m.topic()), e.getMessage());
    }
  }

  private Future<Void> clearStaleStates() {
    Set<String> stale = retainedAtStart;
    retainedAtStart = null;
    List<Future<Void>> clears = new ArrayList<>();
    for (String name : stale) {
      if (!published.containsKey(name)) {
        LOG.info("{}: clearing the retained state an earlier run left (no such device now)", name);
        clears.add(session.publish(topics.phyState(agent, name), Buffer.buffer(), true));
      }
    }
    Future<Void> unsubscribed = ownStates == null ? Future.succeededFuture() : ownStates.unsubscribe();
    return Future.all(clears).compose(v -> unsubscribed);
  }

  private static NetdevEvent withState(NetdevEvent e, NetdevState s) {
    return new NetdevEvent(e.event(), e.seq(), s, e.oldIfname());
  }

  private static NetdevState withReg(NetdevState s, RegState reg) {
    return new NetdevState(s.agent(), s.ifname(), s.ifindex(), s.flags(), s.operstate(), s.carrier(), s.mtu(),
        s.address(), s.speed(), s.duplex(), s.carrierUpCount(), s.carrierDownCount(), reg, s.ts(), s.seq());
  }

  private static Duration requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
    return d;
  }
}
