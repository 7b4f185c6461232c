package io.virtnet.agent;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.agent.netlink.NetlinkPhySource;
import io.virtnet.agent.sim.SimPhySource;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MqttMetrics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The PHY agent of one host, as wiring: one {@link MqttSession} ({@code vnet-agent-{name}-{tag}}, will
 * {@code {"state":"offline"}} retained on {@code vnet/phy/{agent}/status}), a {@link PhySource}, and
 * the parts that do the work: {@link PhyChanges} publishes what the PHYs do, {@link AgentInbound}
 * takes commands and holds, {@link UnregisterWaiters} models {@code netdev_wait_allrefs},
 * {@link SeqClock} numbers the events and {@link RetainedKeeper} keeps the agent's retained topics
 * (PHY states, status) true against other clients' writes.
 *
 * <p>{@link #start()} completes once connected, subscribed, online and every PHY's initial state is
 * acknowledged by the broker. Bad input is logged and counted
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
  private final Rejections rejections;
  private final Clock clock = Clock.systemUTC();
  private final Holders holders = new Holders();
  private final UnregisterWaiters waiters;
  private final String statusTopic;

  private MqttSession session;
  private PhySource source;
  private NetdevPublisher publisher;
  private RetainedKeeper retained;
  private RetainedOwnership.Policy ownershipPolicy = RetainedOwnership.Policy.DEFAULT;
  private PhyChanges changes;
  private Gauge unregisteringGauge;
  /** Names with a retained state from an earlier run; null once started. */
  private Set<String> retainedAtStart;
  private MqttSession.Subscription ownStates;
  private boolean stopping;
  private Future<Void> stopFuture;

  /** An agent with the source its config names and the kernel's 1 s / 10 s unregister intervals. */
  public PhyAgentVerticle(AgentConfig config, MqttConfig mqtt, MqttSessionOptions options, MeterRegistry registry) {
    this(config, mqtt, options, registry, PhyAgentVerticle::defaultSource, DEFAULT_REBROADCAST_INTERVAL,
        DEFAULT_WARN_INTERVAL);
  }

  /**
   * An agent with its own PHY source factory and unregister intervals.
   *
   * @param options broker options; the client id is replaced by {@code vnet-agent-{name}-{tag}} and the will set
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
    this.waiters = new UnregisterWaiters(holders, rebroadcastInterval, warnInterval);
    this.statusTopic = topics.phyStatus(agent);
    // a tag of its own per run: two agents of one name (two hosts, a misconfiguration) then do not take
    // over each other's connection in a loop, but see each other's writes and report the conflict
    this.sessionOptions = options.withClientId(clientId(agent) + "-" + UUID.randomUUID().toString().substring(0, 8))
        .withWill(new MqttSessionOptions.Will(statusTopic, OFFLINE_WILL, true));
    this.rejections = new Rejections(registry, SERVICE);
  }

  /** The MQTT client id prefix of agent {@code name}; a running agent adds a tag of its own. */
  public static String clientId(String name) {
    return "vnet-agent-" + name;
  }

  /** The source {@code config.source()} names: the sim PHYs, or the kernel's links through rtnetlink. */
  public static PhySource defaultSource(Vertx vertx, AgentConfig config, LongSupplier seq) {
    return switch (config.source()) {
      case SIM -> SimPhySource.create(config, seq);
      case NETLINK -> NetlinkPhySource.create(vertx, config, seq);
    };
  }

  public AgentConfig agentConfig() {
    return config;
  }

  @Override
  public Future<?> start() {
    SeqClock seq = new SeqClock(clock);
    try {
      source = sourceFactory.create(vertx, config, seq::next);
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalStateException(
          SERVICE + " " + agent + " (source " + config.source().wireName() + "): " + e.getMessage(), e));
    }
    retainedAtStart = new HashSet<>();
    unregisteringGauge = Gauge.builder("vnet_agent_unregistering", waiters, UnregisterWaiters::size)
        .description("PHYs unregistered but still held (netdev_wait_allrefs)")
        .tag("agent", agent)
        .register(registry);
    session = MqttSession.create(vertx, sessionOptions);
    session.onReconnect(this::onReconnect);
    MqttMetrics.reconnects(registry, SERVICE + "-" + agent, session);
    retained = new RetainedKeeper(vertx, session, topics, agent, ownershipPolicy, registry, clock);
    publisher = new NetdevPublisher(session, retained, topics, agent, registry);
    changes = new PhyChanges(vertx, publisher, waiters, holders, seq, clock);
    AgentInbound inbound = new AgentInbound(agent, topics, rejections, source, holders, waiters, changes);
    publisher.startupBegins();
    return session.start()
        .compose(v -> {
          List<Future<?>> subs = new ArrayList<>();
          subs.add(session.subscribe(topics.allPhyStates(agent), this::onOwnState)
              .onSuccess(s -> ownStates = s));
          subs.add(retained.subscribe());
          subs.add(session.subscribe(topics.allPhyRefs(agent), inbound.refs()));
          subs.add(session.subscribe(topics.allBackendStatus(), inbound.backendStatus()));
          if (source.acceptsCommands()) {
            subs.add(session.subscribe(topics.allPhyCmds(agent), Codecs.PHY_COMMAND, rejections, inbound::onCommand));
          }
          return Future.all(subs);
        })
        .compose(v -> retained.publish(statusTopic,
            Buffer.buffer(Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, clock.instant())))))
        .compose(v -> source.start(this::onSourceEvents))
        .compose(v -> {
          // a source that delivered on another thread: its batch is queued on our context before this
          for (NetdevState s : source.snapshot()) {
            if (!publisher.isPublished(s.ifname())) {
              publisher.state(s);
            }
          }
          return publisher.startupDone();
        })
        .compose(v -> clearStaleStates())
        .compose(v -> ownStates == null ? Future.<Void>succeededFuture() : ownStates.unsubscribe())
        .onSuccess(v -> retained.arm())
        .onSuccess(v -> LOG.info("{} {} ({} source) publishing {} PHY(s) on {}", SERVICE, agent,
            config.source().wireName(), publisher.names().size(), sessionOptions.uri()))
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
    if (changes != null) {
      changes.stop();
      retained.stop();
    }
    Future<Void> sourceStopped = source == null ? Future.succeededFuture()
        : source.stop().recover(e -> {
          LOG.warn("{} {}: PHY source did not stop cleanly: {}", SERVICE, agent, e.getMessage());
          return Future.succeededFuture();
        });
    stopFuture = sourceStopped
        .compose(v -> session == null ? Future.<Void>succeededFuture()
            : session.publish(statusTopic, Buffer.buffer(Codecs.SERVICE_STATUS.encode(new ServiceStatus(false, clock.instant()))), true)
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

  /** How the agent stands: {@code DEGRADED} while another client keeps overwriting its retained topics. */
  public record Health(boolean degraded, List<String> conflicts) {
    public Health {
      conflicts = List.copyOf(conflicts);
    }
  }

  /** This agent's health now. */
  public Future<Health> health() {
    return ContextCalls.get(context, () -> {
      List<String> conflicts = retained == null ? List.of() : retained.conflicts();
      return new Health(!conflicts.isEmpty(), conflicts);
    });
  }

  /** Sets how the agent backs off from a topic another client keeps overwriting; before deployment. */
  PhyAgentVerticle ownershipPolicy(RetainedOwnership.Policy policy) {
    this.ownershipPolicy = Objects.requireNonNull(policy, "policy");
    return this;
  }

  /** The references on {@code ifname} that count now (diagnostics, tests). */
  public Future<Integer> usageCount(String ifname) {
    return ContextCalls.get(context, () -> holders.count(ifname));
  }

  private void onSourceEvents(List<NetdevEvent> events) {
    ContextCalls.run(context, () -> changes.apply(PhyChange.of(events)));
  }

  /** After a reconnection, holds that are not retained any more (put while we were away) stop counting. */
  private void onReconnect() {
    long gen = holders.beginResync();
    vertx.setTimer(RESYNC_GRACE.toMillis(), t -> {
      if (!stopping) {
        holders.endResync(gen);
        changes.releaseFree();
      }
    });
  }

  /**
   * Our own retained states, read once at start to clear PHYs an earlier run left behind. Not a typed
   * subscription: only the topic names a PHY; whatever non-empty payload it holds, garbage included, is
   * cleared unless this run publishes that PHY.
   */
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
    publisher.startupBegins();
    for (String name : stale) {
      if (!publisher.isPublished(name)) {
        LOG.info("{}: clearing the retained state an earlier run left (no such device now)", name);
        publisher.clear(name);
      }
    }
    return publisher.startupDone();
  }
}
