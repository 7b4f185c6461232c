package io.virtnet.backend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A node's health ({@code GET /health}) from what it knows: DOWN while the broker is away, an
 * instance's agent is offline, or an instance with carrier-notify on holds no PHY (carrier-notify off
 * releases the hold on purpose, so only a wanted binding counts); DEGRADED while another owner
 * contends for its retained topics. No I/O.
 */
final class Health {
  private Health() {}

  /**
   * @param instances the instances' API snapshots
   * @param agents agent → online, as seen on the broker
   */
  static JsonObject of(String node, boolean brokerConnected, Map<String, Boolean> agents, JsonArray instances) {
    JsonObject agentJson = new JsonObject();
    agents.forEach((a, online) -> agentJson.put(a, online ? "online" : "offline"));
    int bound = 0;
    JsonArray unbound = new JsonArray();
    JsonArray agentsOffline = new JsonArray();
    for (int i = 0; i < instances.size(); i++) {
      JsonObject inst = instances.getJsonObject(i);
      if (inst.getBoolean("bound", false)) {
        bound++;
      } else if (inst.getBoolean("carrierNotify", true)) {
        unbound.add(inst.getString("name"));
      }
      String agent = inst.getString("agent");
      if (Boolean.FALSE.equals(agents.get(agent)) && !agentsOffline.contains(agent)) {
        agentsOffline.add(agent);
      }
    }
    boolean up = brokerConnected && agentsOffline.isEmpty() && unbound.isEmpty();
    return new JsonObject()
        .put("status", up ? "UP" : "DOWN")
        .put("broker", brokerConnected)
        .put("node", node)
        .put("agents", agentJson)
        .put("agentsOffline", agentsOffline)
        .put("instances", instances.size())
        .put("instancesBound", bound)
        .put("instancesUnbound", unbound);
  }

  /**
   * An UP node that another owner contends with on {@code conflicts} (retained topics it keeps
   * overwriting; docs/contract.md §3) is {@code DEGRADED}, with the reason; DOWN stays DOWN.
   */
  static JsonObject degradedBy(JsonObject health, List<String> conflicts) {
    health.put("conflicts", new JsonArray(conflicts));
    if (!conflicts.isEmpty() && "UP".equals(health.getString("status"))) {
      health.put("status", "DEGRADED")
          .put("reason", "another owner keeps overwriting " + String.join(", ", conflicts) + "; backing off");
    }
    return health;
  }
}
