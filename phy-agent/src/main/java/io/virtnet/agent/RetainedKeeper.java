package io.virtnet.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent's retained topics ({@code state} of each PHY, its {@code status}) true: every
 * retained publish of the agent goes through it, it watches the topics, and re-asserts one that
 * another client cleared or overwrote ({@code vnet_repairs_total{kind="state-reasserted"|
 * "status-reasserted"}}); a topic fought over is reported ({@code vnet_ownership_conflicts_total},
 * {@code vnet_agent_degraded}, a log line) and re-asserted with backoff (see {@link RetainedOwnership}).
 * Used on the agent's context.
 */
final class RetainedKeeper {
  private static final Logger LOG = LoggerFactory.getLogger(RetainedKeeper.class);

  private final Vertx vertx;
  private final MqttSession session;
  private final Topics topics;
  private final String agent;
  private final String statusTopic;
  private final RetainedOwnership model;
  private final MeterRegistry registry;
  private final Clock clock;
  private final Map<String, Long> timers = new HashMap<>();
  private final Map<String, Counter> counters = new HashMap<>();
  private final Repairs repairs;
  private final Gauge degraded;
  /** Until when the agent is DEGRADED, for the gauge, which is read on a metrics scraper's thread. */
  private volatile Instant degradedUntil = Instant.MIN;
  private boolean stopped;

  RetainedKeeper(Vertx vertx, MqttSession session, Topics topics, String agent, RetainedOwnership.Policy policy,
      MeterRegistry registry, Clock clock) {
    this.vertx = vertx;
    this.session = session;
    this.topics = topics;
    this.agent = agent;
    this.statusTopic = topics.phyStatus(agent);
    this.model = RetainedOwnership.ofNamespace(policy, clock::millis);
    this.registry = registry;
    this.clock = clock;
    this.repairs = new Repairs(registry, PhyAgentVerticle.SERVICE);
    this.degraded = Gauge.builder("vnet_agent_degraded", this, k -> k.clock.instant().isBefore(k.degradedUntil) ? 1 : 0)
        .description("1 while another client keeps overwriting this agent's retained topics")
        .tag("agent", agent)
        .register(registry);
  }

  /** Publishes {@code payload} retained on {@code topic}, an agent-owned topic, as its new truth. */
  Future<Void> publish(String topic, Buffer payload) {
    model.published(topic, payload.getBytes());
    return session.publish(topic, payload, true);
  }

  /** Subscribes to the owned topics; their retained values are recorded, not judged, until {@link #arm()}. */
  Future<Void> subscribe() {
    return Future.all(session.subscribe(topics.allPhyStates(agent), this::onMessage),
        session.subscribe(statusTopic, this::onMessage)).mapEmpty();
  }

  /** The agent has started: foreign values are judged from now on, those seen before included. */
  void arm() {
    model.arm().forEach(this::act);
  }

  /** Topics another client keeps overwriting now; empty when the agent is healthy. */
  List<String> conflicts() {
    return model.conflicts();
  }

  /** Cancels pending re-assertions and removes the gauge; later messages are ignored. */
  void stop() {
    stopped = true;
    timers.values().forEach(vertx::cancelTimer);
    timers.clear();
    registry.remove(degraded);
  }

  private void onMessage(InboundMessage m) {
    if (stopped || !owned(m.topic())) {
      return;
    }
    act(m.topic(), model.observed(m.topic(), m.bytes(), m.retained()));
  }

  private boolean owned(String topic) {
    if (topic.equals(statusTopic)) {
      return true;
    }
    try {
      return topics.parse(topic) instanceof TopicName.PhyState s && s.agent().equals(agent);
    } catch (InvalidMessageException e) {
      LOG.debug("ignoring {}: {}", Names.printable(topic), e.getMessage());
      return false;
    }
  }

  private void act(String topic, RetainedOwnership.Verdict v) {
    Instant now = clock.instant();
    if (v.foreignInWindow() > 0 && model.inConflict(topic)) {
      degradedUntil = now.plus(model.policy().quiet());
    }
    String kind = topic.equals(statusTopic) ? "status" : "state";
    if (v.conflictBegins()) {
      count("vnet_ownership_conflicts", "Retained topics another client keeps overwriting", kind).increment();
      LOG.warn("{}: another client overwrote it {} times within {} ms; is agent '{}' running twice (one name on "
          + "two hosts)? DEGRADED: re-asserting with backoff, at most every {} ms", Names.printable(topic),
          v.foreignInWindow(), model.policy().conflictWindow().toMillis(), agent,
          model.policy().backoffMax().toMillis());
    }
    if (!v.reassert()) {
      return;
    }
    if (v.delay().isZero()) {
      reassert(topic, kind);
    } else {
      timers.put(topic, vertx.setTimer(Math.max(1, v.delay().toMillis()), id -> {
        timers.remove(topic);
        reassert(topic, kind);
      }));
    }
  }

  private void reassert(String topic, String kind) {
    if (stopped) {
      return;
    }
    model.reassert(topic).ifPresent(truth -> {
      long n = repairs.counted(kind.equals("status") ? Repairs.STATUS : Repairs.STATE);
      // in a conflict this repeats at the backoff's pace, and its warning said so; a storm must not flood the log
      boolean quiet = !Repairs.worthLogging(n) || model.inConflict(topic);
      (quiet ? LOG.atDebug() : LOG.atInfo()).log("{}: another client {}; re-asserting the agent's {}{}",
          Names.printable(topic), truth.length == 0 ? "published a value there" : "cleared or overwrote it",
          truth.length == 0 ? "clearing (no such device)" : "value", Repairs.soFar(n));
      publish(topic, Buffer.buffer(truth))
          .onFailure(e -> LOG.debug("re-asserting {} failed: {}", topic, e.getMessage()));
    });
  }

  private Counter count(String name, String description, String kind) {
    return counters.computeIfAbsent(name + "/" + kind, k -> Counter.builder(name)
        .description(description)
        .tag("service", PhyAgentVerticle.SERVICE)
        .tag("kind", kind)
        .register(registry));
  }
}
