package io.virtnet.launcher;

import io.vertx.core.json.JsonObject;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.runtime.config.ConfigNode;
import io.virtnet.runtime.config.MqttConfig;
import java.util.List;

/** The whole stack's typed configuration: every service's section, parsed once. */
public record StackOptions(MqttConfig mqtt, AgentConfig agent, BackendConfig backend, FrontendConfig frontend) {

  /** Parses a configuration tree (file or built-in default), rejecting unknown top-level sections. */
  public static StackOptions from(JsonObject root) {
    ConfigNode node = ConfigNode.root(root).allowOnly("mqtt", "agent", "backend", "frontend");
    return new StackOptions(MqttConfig.from(node), AgentConfig.from(node), BackendConfig.from(node),
        FrontendConfig.from(node));
  }

  public StackOptions withHttpPort(int port) {
    return new StackOptions(mqtt, agent, backend.withHttpPort(port), frontend);
  }

  /** Switches the agent to the netlink source (the default instances then follow the host's real NICs). */
  public StackOptions withPhySource(AgentConfig.Source source, List<String> interfaces) {
    AgentConfig a = source == AgentConfig.Source.NETLINK
        ? AgentConfig.netlink(agent.name(), interfaces == null ? agent.interfaces() : interfaces)
        : agent;
    return new StackOptions(mqtt, a, backend, frontend);
  }
}
