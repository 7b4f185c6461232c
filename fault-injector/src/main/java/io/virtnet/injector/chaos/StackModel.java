package io.virtnet.injector.chaos;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The stack under test as the checker needs it: the topic prefix, the agent and backend node names,
 * the PHYs and the virtio-net instances (name, PHY, RTOS CPU).
 */
public record StackModel(Topics topics, String agent, String node, List<String> phys, List<Instance> instances) {
  /** One virtio-net instance. */
  public record Instance(String name, String phy, int cpu) {}

  public StackModel {
    Objects.requireNonNull(topics, "topics");
    phys = List.copyOf(phys);
    instances = List.copyOf(instances);
    if (phys.isEmpty() || instances.isEmpty()) {
      throw new IllegalArgumentException("the stack needs at least one PHY and one instance");
    }
    for (Instance i : instances) {
      if (!phys.contains(i.phy())) {
        throw new IllegalArgumentException("instance " + i.name() + " is on " + i.phy() + ", which is no PHY of " + phys);
      }
    }
  }

  /**
   * The model of a stack configuration (the services' YAML as loaded by {@code ConfigLoader}): prefix,
   * {@code agent.name}, {@code agent.phys[].name}, {@code backend.node}, {@code backend.instances[]}.
   */
  public static StackModel fromConfig(JsonObject root) {
    JsonObject mqtt = root.getJsonObject("mqtt", new JsonObject());
    JsonObject agent = root.getJsonObject("agent", new JsonObject());
    JsonObject backend = root.getJsonObject("backend", new JsonObject());
    List<String> phys = new ArrayList<>();
    agent.getJsonArray("phys", new JsonArray()).forEach(o -> phys.add(((JsonObject) o).getString("name")));
    List<Instance> instances = new ArrayList<>();
    backend.getJsonArray("instances", new JsonArray()).forEach(o -> {
      JsonObject i = (JsonObject) o;
      instances.add(new Instance(i.getString("name"), i.getString("phy"), i.getInteger("cpu")));
    });
    return new StackModel(Topics.of(mqtt.getString("prefix", Topics.DEFAULT_PREFIX)), agent.getString("name", "linux0"),
        backend.getString("node", "backend0"), phys, instances);
  }

  /** The RTOS CPUs the instances are routed to, sorted. */
  public List<Integer> cpus() {
    return instances.stream().map(Instance::cpu).distinct().sorted().toList();
  }
}
