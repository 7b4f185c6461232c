package io.virtnet.agent;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one agent publishes about its PHYs: NETDEV events (counted per event) and each PHY's
 * retained state or its clearing. It remembers the last state published per name, and while the
 * agent starts, the publishes its start must wait for. Used on the agent's context.
 */
final class NetdevPublisher {
  private static final Logger LOG = LoggerFactory.getLogger(NetdevPublisher.class);

  private final MqttSession session;
  private final RetainedKeeper retained;
  private final Topics topics;
  private final String agent;
  private final MeterRegistry registry;
  private final Map<NetdevCmd, Counter> eventCounters = new EnumMap<>(NetdevCmd.class);
  /** The last retained state published per name (absent once cleared). */
  private final Map<String, NetdevState> published = new HashMap<>();
  /** Publishes the agent's start waits for; null when not starting. */
  private List<Future<Void>> startupPublishes;

  NetdevPublisher(MqttSession session, RetainedKeeper retained, Topics topics, String agent, MeterRegistry registry) {
    this.session = session;
    this.retained = retained;
    this.topics = topics;
    this.agent = agent;
    this.registry = registry;
  }

  /** From now until {@link #startupDone()}, every publish is collected for the start to wait for. */
  void startupBegins() {
    startupPublishes = new ArrayList<>();
  }

  /** Completes when every publish since {@link #startupBegins()} was acknowledged; stops collecting. */
  Future<Void> startupDone() {
    List<Future<Void>> all = startupPublishes == null ? List.of() : startupPublishes;
    startupPublishes = null;
    return Future.all(all).mapEmpty();
  }

  /** Publishes event {@code e} on {@code ifname}'s event topic (the old name's too, for a rename). */
  void event(String ifname, NetdevEvent e) {
    eventCounters.computeIfAbsent(e.event(), cmd -> Counter.builder("vnet_agent_events")
        .description("NETDEV events published")
        .tag("agent", agent)
        .tag("event", cmd.name())
        .register(registry)).increment();
    track(session.publish(topics.phyEvent(agent, ifname), Buffer.buffer(Codecs.NETDEV_EVENT.encode(e)), false));
  }

  /** Publishes {@code s} as its PHY's retained state. */
  void state(NetdevState s) {
    published.put(s.ifname(), s);
    track(retained.publish(topics.phyState(agent, s.ifname()), Buffer.buffer(Codecs.NETDEV_STATE.encode(s))));
  }

  /** Clears {@code ifname}'s retained state: no such device. */
  void clear(String ifname) {
    published.remove(ifname);
    track(retained.publish(topics.phyState(agent, ifname), Buffer.buffer()));
  }

  /** Whether a state of {@code ifname} is published (and not cleared since). */
  boolean isPublished(String ifname) {
    return published.containsKey(ifname);
  }

  /** The names whose state is published. */
  Set<String> names() {
    return Set.copyOf(published.keySet());
  }

  private void track(Future<Void> publish) {
    if (startupPublishes != null) {
      startupPublishes.add(publish);
    }
    publish.onFailure(e -> LOG.debug("agent {}: publish failed: {}", agent, e.getMessage()));
  }
}
