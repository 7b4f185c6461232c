package io.virtnet.backend.config;

import io.virtnet.protocol.Names;
import io.virtnet.protocol.RemoteTargets;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code backend} section: node name (MQTT client id {@code vnet-backend-{node}}), HTTP bind
 * address (port 0 = any free port), what to report when an agent is lost, and the instances;
 * {@code frontend.remoteTargets}, the remote VM-control targets an instance may name (contract §6); and
 * how long a frontend view may disagree with its config before device and config are republished.
 */
public record BackendConfig(String node, String httpHost, int httpPort, AgentLossPolicy onAgentLoss,
    List<InstanceConfig> instances, RemoteTargets remoteTargets, long resyncMs) {

  public static final String SECTION = "backend";
  public static final String DEFAULT_NODE = "backend0";
  public static final String DEFAULT_HTTP_HOST = "127.0.0.1";
  public static final int DEFAULT_HTTP_PORT = 8080;
  public static final long DEFAULT_RESYNC_MS = 2000;

  public BackendConfig {
    if (Names.instanceProblem(node) != null) {
      throw new ConfigException(SECTION + ".node: " + Names.instanceProblem(node));
    }
    if (httpHost == null || httpHost.isBlank()) {
      throw new ConfigException(SECTION + ".http.host: is required");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new ConfigException(SECTION + ".http.port: must be 0..65535, got " + httpPort);
    }
    if (onAgentLoss == null) {
      throw new ConfigException(SECTION + ".onAgentLoss: must be down or hold");
    }
    if (resyncMs < 100 || resyncMs > 3_600_000) {
      throw new ConfigException(SECTION + ".resyncMs: must be 100..3600000, got " + resyncMs);
    }
    instances = List.copyOf(instances);
    remoteTargets = remoteTargets == null ? RemoteTargets.NONE : remoteTargets;
    Set<String> names = new HashSet<>();
    Map<Long, String> routes = new HashMap<>();
    for (int i = 0; i < instances.size(); i++) {
      InstanceConfig c = instances.get(i);
      String path = SECTION + ".instances[" + i + "]";
      if (!names.add(c.name())) {
        throw new ConfigException(path + ".name: duplicate instance name '" + c.name() + "'");
      }
      String refused = remoteTargets.refusal(c.frontend());
      if (refused != null) {
        throw new ConfigException(path + ".frontend: " + refused);
      }
      String other = routes.putIfAbsent(routeKey(c), c.name());
      if (other != null) {
        throw new ConfigException(path + ".irq: cpu " + c.cpu() + " irq " + c.irq() + " is already used by '" + other + "'");
      }
    }
  }

  /** A config with only this host's frontend targets allowed. */
  public BackendConfig(String node, String httpHost, int httpPort, AgentLossPolicy onAgentLoss,
      List<InstanceConfig> instances) {
    this(node, httpHost, httpPort, onAgentLoss, instances, RemoteTargets.NONE, DEFAULT_RESYNC_MS);
  }

  public BackendConfig(String node, String httpHost, int httpPort, AgentLossPolicy onAgentLoss,
      List<InstanceConfig> instances, RemoteTargets remoteTargets) {
    this(node, httpHost, httpPort, onAgentLoss, instances, remoteTargets, DEFAULT_RESYNC_MS);
  }

  /** A key for the (cpu, irq) pair an instance raises its interrupts on. */
  public static long routeKey(InstanceConfig c) {
    return ((long) c.cpu() << 32) | c.irq();
  }

  /** Parses the {@code backend} section of a configuration tree. */
  public static BackendConfig from(ConfigNode root) {
    ConfigNode n = root.child(SECTION).allowOnly("node", "http", "onAgentLoss", "instances", "resyncMs");
    String node = n.string("node", DEFAULT_NODE);
    if (Names.instanceProblem(node) != null) {
      throw n.error("node", Names.instanceProblem(node));
    }
    ConfigNode http = n.child("http").allowOnly("host", "port");
    String host = http.string("host", DEFAULT_HTTP_HOST);
    int port = (int) http.integer("port", 0, 65535, DEFAULT_HTTP_PORT);
    String loss = n.string("onAgentLoss", AgentLossPolicy.DOWN.wireName());
    AgentLossPolicy onAgentLoss = AgentLossPolicy.ofWireName(loss);
    if (onAgentLoss == null) {
      throw n.error("onAgentLoss", "must be down or hold, got '" + Names.printable(loss) + "'");
    }
    List<ConfigNode> items = n.children("instances");
    List<InstanceConfig> instances = new java.util.ArrayList<>();
    for (ConfigNode item : items) {
      instances.add(InstanceConfig.from(item));
    }
    List<String> remote = root.child("frontend").strings("remoteTargets", List.of());
    long resyncMs = n.integer("resyncMs", 100, 3_600_000, DEFAULT_RESYNC_MS);
    return new BackendConfig(node, host, port, onAgentLoss, instances, new RemoteTargets(Set.copyOf(remote)),
        resyncMs);
  }

  public BackendConfig withHttpPort(int port) {
    return new BackendConfig(node, httpHost, port, onAgentLoss, instances, remoteTargets, resyncMs);
  }

  public BackendConfig withInstances(List<InstanceConfig> list) {
    return new BackendConfig(node, httpHost, httpPort, onAgentLoss, list, remoteTargets, resyncMs);
  }

  public BackendConfig withResyncMs(long ms) {
    return new BackendConfig(node, httpHost, httpPort, onAgentLoss, instances, remoteTargets, ms);
  }
}
