package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.runtime.retained.RetainedOwnership.Policy;
import io.virtnet.testsupport.SharedBroker;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two owners of one retained topic (docs/contract.md §3), on the real broker: one instance name
 * configured on two backend nodes. Both count the conflict, report DEGRADED with the reason, and back
 * off exponentially after a bounded number of re-assertions instead of overwriting each other in a loop.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TwoOwnersTest {

  private static JsonObject health(BackendNodeVerticle node) throws Exception {
    return node.api().health().await(10, TimeUnit.SECONDS);
  }

  private static long reasserts(JsonObject health) {
    JsonObject r = health.getJsonObject("repairs");
    return r.getLong(Repairs.DEVICE, 0L) + r.getLong(Repairs.CONFIG, 0L) + r.getLong(Repairs.REF, 0L);
  }

  @Test
  void oneInstanceNameOnTwoNodes_bothDegraded_withBoundedReassertions(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitHold("vn0", "eth0", true);

      PrometheusMeterRegistry registry2 = MetricsRegistry.create();
      BackendNodeVerticle other = new BackendNodeVerticle(
          new BackendConfig("other" + f.nodeName(), "127.0.0.1", 0, AgentLossPolicy.DOWN,
              List.of(instance("vn0", "eth0", 2, 42))),
          new MqttConfig(f.prefix), MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry2);
      long fightBegan = System.nanoTime();
      String otherId = vertx.deployVerticle(other).await(20, TimeUnit.SECONDS);
      try {
        for (BackendNodeVerticle node : List.of(f.node, other)) {
          await().atMost(BackendFixture.WITHIN).until(() -> "DEGRADED".equals(health(node).getString("status")));
          JsonObject h = health(node);
          assertThat(h.getString("reason")).contains("another owner");
          assertThat(h.getJsonArray("conflicts").getList()).contains(f.refTopic("vn0", "eth0"));
          assertThat(h.getJsonObject("repairs").getLong(Repairs.CONFLICT)).isPositive();
        }
        // backed off: per owned topic (device, config, ref) fewer than conflictAfter re-assertions at
        // once, then one per back-off (1 s, 2 s, 4 s …), so at most log2(seconds + 1) of those so far
        Policy policy = Policy.DEFAULT;
        for (BackendNodeVerticle node : List.of(f.node, other)) {
          long reasserts = reasserts(health(node));
          double backoffs = (System.nanoTime() - fightBegan) / 1e6 / policy.backoffMin().toMillis();
          long backedOff = (long) Math.floor(Math.log(backoffs + 1) / Math.log(2));
          assertThat(reasserts).isBetween(1L, 3L * (policy.conflictAfter() - 1 + backedOff));
        }
        assertThat(registry2.get("vnet_repairs").tag("kind", Repairs.CONFLICT).counter().count()).isPositive();
      } finally {
        vertx.undeploy(otherId).await(20, TimeUnit.SECONDS);
      }
    }
  }
}
