package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HealthTest {
  private static JsonObject inst(String name, String agent, boolean bound, boolean notify) {
    return new JsonObject().put("name", name).put("agent", agent).put("bound", bound).put("carrierNotify", notify);
  }

  @Test
  void upWhenBrokerAgentsAndBindingsAreFine() {
    JsonObject h = Health.of("b0", true, Map.of("linux0", true),
        new JsonArray().add(inst("vn0", "linux0", true, true)).add(inst("vn1", "linux0", false, false)));
    assertThat(h.getString("status")).isEqualTo("UP");
    assertThat(h.getInteger("instancesBound")).isEqualTo(1);
    assertThat(h.getInteger("instances")).isEqualTo(2);
    assertThat(h.getJsonObject("agents").getString("linux0")).isEqualTo("online");
  }

  @Test
  void downForAnUnwantedlyUnboundInstance_anOfflineAgent_orNoBroker() {
    JsonArray unbound = new JsonArray().add(inst("vn0", "linux0", false, true));
    JsonObject h = Health.of("b0", true, Map.of(), unbound);
    assertThat(h.getString("status")).isEqualTo("DOWN");
    assertThat(h.getJsonArray("instancesUnbound").getList()).containsExactly("vn0");

    JsonArray bound = new JsonArray().add(inst("vn0", "linux0", true, true)).add(inst("vn1", "linux0", true, true));
    JsonObject offline = Health.of("b0", true, Map.of("linux0", false), bound);
    assertThat(offline.getString("status")).isEqualTo("DOWN");
    assertThat(offline.getJsonArray("agentsOffline").getList()).containsExactly("linux0");

    assertThat(Health.of("b0", false, Map.of(), bound).getString("status")).isEqualTo("DOWN");
  }
}
