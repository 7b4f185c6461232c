package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Meter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.TestMqtt;
import io.virtnet.testsupport.SharedBroker;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A verticle that fails to start releases its meters, timers and listeners (issue 18 item 3), on the
 * real broker: a node whose HTTP port is taken fails after its session, meters and instance were up.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class StartFailureTest {

  @Test
  void aNodeWhoseHttpPortIsTaken_failsToStart_andLeavesNoMeterNorDeployment(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      f.phy("eth1", 3).publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      int taken = f.node.httpPort();
      Set<String> deployedBefore = Set.copyOf(vertx.deploymentIDs());

      PrometheusMeterRegistry registry = MetricsRegistry.create();
      BackendNodeVerticle failing = new BackendNodeVerticle(
          new BackendConfig("failing" + f.nodeName(), "127.0.0.1", taken, AgentLossPolicy.DOWN,
              List.of(instance("vn1", "eth1", 3, 43))),
          new MqttConfig(f.prefix), MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry);
      assertThatThrownBy(() -> vertx.deployVerticle(failing).await(20, TimeUnit.SECONDS)).isNotNull();

      // its instance got as far as holding eth1 (so it had opened its meters and timers), and released
      // the hold on the way out (its stop ran with the failed node's release) ...
      f.awaitHold("vn1", "eth1", false);
      assertThat(f.mqtt.received(f.refTopic("vn1", "eth1"))).anyMatch(r -> !r.isEmpty());
      // ... and every meter of the node and the instance is gone; no deployment is left
      List<String> left = registry.getMeters().stream().map(Meter::getId)
          .filter(id -> id.getName().startsWith("vnet_") && !id.getName().equals("vnet_rejected_messages"))
          .map(id -> id.getName() + id.getTags()).toList();
      assertThat(left).isEmpty();
      assertThat(vertx.deploymentIDs()).containsExactlyInAnyOrderElementsOf(deployedBefore);
    }
  }

  @Test
  void anInstanceWhoseSubscriptionFails_failsToStart_andLeavesNoMeterNorListener(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    PrometheusMeterRegistry registry = MetricsRegistry.create();
    MqttSession session = MqttSession.create(vertx, MqttSessionOptions.forBroker(broker.uri(), "closed-" + System.nanoTime()));
    session.close(0).await(10, TimeUnit.SECONDS); // every subscription now fails
    InterruptController interrupts = new InterruptController(new InterruptController.Loop() {
      @Override
      public boolean inLoop() {
        return false;
      }

      @Override
      public void execute(Runnable task) {
        vertx.runOnContext(v -> task.run());
      }
    }, (cpu, irqs) -> { }, 8, registry);
    InstanceEnv env = new InstanceEnv(session, io.virtnet.protocol.Topics.of(TestMqtt.uniquePrefix()), "b0",
        AgentLossPolicy.DOWN, new Rejections(registry, "test"), registry, new BackendMetrics(registry),
        new ChangeEvents(vertx, "b0"), new Timeline(java.time.Instant::now, (i, e) -> { }), interrupts,
        new Repairs(registry, "test"), 200);
    VirtioNetInstanceVerticle v = new VirtioNetInstanceVerticle(instance("vn9", "eth9", 2, 49), env);
    Set<String> deployedBefore = Set.copyOf(vertx.deploymentIDs());

    assertThatThrownBy(() -> vertx.deployVerticle(v).await(20, TimeUnit.SECONDS)).isNotNull();

    assertThat(registry.getMeters().stream().filter(m -> "vn9".equals(m.getId().getTag("instance")))
        .map(m -> m.getId().getName()).toList()).isEmpty();
    assertThat(vertx.deploymentIDs()).containsExactlyInAnyOrderElementsOf(deployedBefore);
  }
}
