package io.virtnet.backend;

import io.micrometer.core.instrument.MeterRegistry;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.Objects;

/**
 * What a node shares with its instance verticles: the MQTT session, topic names, the node name
 * (written into holds), the agent-loss policy, the rejection counter, the meter registry and the
 * change events the API streams, the timeline of recent changes, and the interrupt controllers.
 */
public record InstanceEnv(
    MqttSession session,
    Topics topics,
    String node,
    AgentLossPolicy onAgentLoss,
    Rejections rejections,
    MeterRegistry registry,
    BackendMetrics metrics,
    ChangeEvents events,
    Timeline timeline,
    InterruptController interrupts,
    Repairs repairs,
    long resyncMs) {

  public InstanceEnv {
    Objects.requireNonNull(session, "session");
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(onAgentLoss, "onAgentLoss");
    Objects.requireNonNull(rejections, "rejections");
    Objects.requireNonNull(registry, "registry");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(events, "events");
    Objects.requireNonNull(timeline, "timeline");
    Objects.requireNonNull(interrupts, "interrupts");
    Objects.requireNonNull(repairs, "repairs");
  }
}
