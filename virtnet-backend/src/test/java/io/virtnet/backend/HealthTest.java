package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.runtime.metrics.Repairs;
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

  @Test
  void degradedWhileAnotherOwnerContends_withTheReason_andOnlyForTheConflictsTime() {
    JsonArray bound = new JsonArray().add(inst("vn0", "linux0", true, true));
    long[] now = {0};
    Repairs repairs = new Repairs(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "svc", () -> now[0]);
    repairs.conflict("vnet/phy/linux0/eth0/ref/vn0", 1000, "vn0: another owner");

    JsonObject h = Health.degradedBy(Health.of("b0", true, Map.of("linux0", true), bound), repairs.conflicts());
    assertThat(h.getString("status")).isEqualTo("DEGRADED");
    assertThat(h.getString("reason")).contains("vnet/phy/linux0/eth0/ref/vn0");
    assertThat(h.getJsonArray("conflicts").getList()).containsExactly("vnet/phy/linux0/eth0/ref/vn0");
    assertThat(repairs.count(Repairs.CONFLICT)).isEqualTo(1);
    assertThat(Health.degradedBy(Health.of("b0", false, Map.of(), bound), repairs.conflicts()).getString("status"))
        .isEqualTo("DOWN");

    now[0] = 1000;
    assertThat(repairs.conflicts()).isEmpty();
    assertThat(Health.degradedBy(Health.of("b0", true, Map.of("linux0", true), bound), repairs.conflicts())
        .getString("status")).isEqualTo("UP");
  }
}
