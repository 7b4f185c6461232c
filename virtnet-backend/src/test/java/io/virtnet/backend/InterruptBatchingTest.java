package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Irq;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** One interrupt message per RTOS CPU per change (contract section 3), on the real broker. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class InterruptBatchingTest {

  @Test
  void eightInstancesOnOnePhyOverTwoCpus_oneIrqMessagePerCpuPerChange(EmbeddedBroker broker) throws Exception {
    // one event loop, as the launcher runs on a 2-CPU board
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      List<InstanceConfig> all = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        all.add(instance("vn" + i, "eth0", i < 4 ? 2 : 3, 40 + i));
      }
      f.start(all.toArray(InstanceConfig[]::new));
      for (InstanceConfig c : all) {
        f.awaitLinkUp(c.name(), true);
        f.driverOk(c.name());
      }
      for (InstanceConfig c : all) {
        f.awaitCounter(c.name(), "driverProbes", 1);
        f.awaitIrq(c.cpu(), c.name(), i -> true);
      }

      for (boolean carrier : new boolean[] {false, true}) {
        int cpu2Before = f.mqtt.received(f.topics.rtosIrq(2)).size();
        int cpu3Before = f.mqtt.received(f.topics.rtosIrq(3)).size();
        // WHEN the PHY changes once
        eth0.carrier(carrier);
        // THEN every instance writes its config and each CPU gets one message listing its four IRQs
        for (InstanceConfig c : all) {
          long generation = f.awaitLinkUp(c.name(), carrier).generation();
          f.awaitIrqAfterConfig(c.cpu(), c.name(), generation);
        }
        await().atMost(BackendFixture.WITHIN).until(() -> listedSince(f, 2, cpu2Before) == 4
            && listedSince(f, 3, cpu3Before) == 4);
        assertThat(f.mqtt.received(f.topics.rtosIrq(2)).size() - cpu2Before).as("irq messages to cpu 2").isEqualTo(1);
        assertThat(f.mqtt.received(f.topics.rtosIrq(3)).size() - cpu3Before).as("irq messages to cpu 3").isEqualTo(1);
        List<Irq> cpu2 = Codecs.IRQ.decode(f.mqtt.received(f.topics.rtosIrq(2)).get(cpu2Before).payload()).irqs();
        assertThat(cpu2).extracting(Irq::instance).containsExactlyInAnyOrder("vn0", "vn1", "vn2", "vn3");
        assertThat(cpu2).extracting(Irq::irq).containsExactlyInAnyOrder(40, 41, 42, 43);
      }
      assertThat(f.registry.scrape()).contains("vnet_backend_irq_messages_total{cpu=\"2\"}");
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static int listedSince(BackendFixture f, int cpu, int from) {
    List<TestMqtt.Received> all = f.mqtt.received(f.topics.rtosIrq(cpu));
    return all.subList(from, all.size()).stream().mapToInt(r -> Codecs.IRQ.decode(r.payload()).irqs().size()).sum();
  }
}
