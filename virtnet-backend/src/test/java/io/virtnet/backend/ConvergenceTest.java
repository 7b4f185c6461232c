package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backend converges to the retained store (contract section 3) after lies and losses from other
 * clients, on the real broker: the test plays the agent, the frontend and the liar.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ConvergenceTest {

  private static long repairs(BackendFixture f, String kind) throws Exception {
    return f.node.api().health().await(10, TimeUnit.SECONDS).getJsonObject("repairs").getLong(kind, 0L);
  }

  private static void awaitRepairs(BackendFixture f, String kind, long atLeast) {
    await().atMost(BackendFixture.WITHIN).until(() -> repairs(f, kind) >= atLeast);
  }

  @Test
  void retainedDeviceConfigRefAndStatus_clearedOrOverwrittenByAnotherClient_areReasserted(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitHold("vn0", "eth0", true);
      f.driverOk("vn0");
      long generation = f.awaitProbeGeneration("vn0");
      VirtioNetConfig lie = f.lastConfig("vn0").config().withStatus(0);

      // each repair may reach the observer before its own write does: look for it among what came since

      // device cleared (mosquitto_pub -r -n -t …/device)
      int mark = f.mqtt.mark();
      f.raw(f.topics.virtioDevice("vn0"), new byte[0], true);
      awaitRepairs(f, Repairs.DEVICE, 1);
      f.mqtt.awaitAnySince(mark, f.topics.virtioDevice("vn0"), r -> !r.isEmpty() && r.json().getInteger("irq") == 42,
          BackendFixture.WITHIN);

      // config overwritten with a lie: rewritten under a newer generation, with an IRQ to the live driver
      mark = f.mqtt.mark();
      f.raw(f.topics.virtioConfig("vn0"), lie.encodeWire(generation + 5), true);
      awaitRepairs(f, Repairs.CONFIG, 1);
      VirtioNetConfig.Generational fixed = VirtioNetConfig.decodeWire(f.mqtt.awaitAnySince(mark,
          f.topics.virtioConfig("vn0"), r -> !r.isEmpty() && VirtioNetConfig.decodeWire(r.payload()).config().linkUp(),
          BackendFixture.WITHIN).payload());
      assertThat(VirtioNetConfig.generationAtOrAfter(fixed.generation(), generation + 1)).isTrue();
      f.awaitIrqAfterConfig(2, "vn0", fixed.generation());

      // the hold cleared: back
      mark = f.mqtt.mark();
      f.raw(f.refTopic("vn0", "eth0"), new byte[0], true);
      awaitRepairs(f, Repairs.REF, 1);
      f.mqtt.awaitAnySince(mark, f.refTopic("vn0", "eth0"), r -> !r.isEmpty(), BackendFixture.WITHIN);

      // the node's status cleared: back online
      String status = f.topics.backendStatus(f.nodeName());
      mark = f.mqtt.mark();
      f.raw(status, new byte[0], true);
      awaitRepairs(f, Repairs.STATUS, 1);
      f.mqtt.awaitAnySince(mark, status, r -> !r.isEmpty() && "online".equals(r.json().getString("state")),
          BackendFixture.WITHIN);

      // and a late subscriber finds every retained topic as the backend holds it
      try (TestMqtt late = TestMqtt.connect(broker.uri()).subscribe(f.prefix + "/#")) {
        late.awaitAny(f.topics.virtioDevice("vn0"), r -> !r.isEmpty(), BackendFixture.WITHIN);
        late.awaitAny(f.refTopic("vn0", "eth0"), r -> !r.isEmpty(), BackendFixture.WITHIN);
        late.awaitAny(f.topics.virtioConfig("vn0"), r -> !r.isEmpty()
            && VirtioNetConfig.decodeWire(r.payload()).config().linkUp(), BackendFixture.WITHIN);
      }
      assertThat(f.snapshot("vn0").getBoolean("linkUp")).isTrue();
    }
  }

  @Test
  void aLiveEmptyStateTheRetainedStoreDoesNotConfirm_keepsTheBinding_aRealRemovalReleasesIt(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      f.awaitHold("vn0", "eth0", true);

      // an empty state published live (not retained): the store still holds eth0
      f.raw(f.topics.phyState("linux0", "eth0"), new byte[0], false);
      awaitRepairs(f, Repairs.STATE_GONE_REFUSED, 1);
      assertThat(f.snapshot("vn0").getBoolean("bound")).isTrue();
      assertThat(f.lastConfig("vn0").config().linkUp()).isTrue();

      // a real removal clears the retained state: the hold is released
      f.raw(f.topics.phyState("linux0", "eth0"), new byte[0], true);
      f.awaitHold("vn0", "eth0", false);
      f.awaitLinkUp("vn0", false);
      assertThat(repairs(f, Repairs.STATE_GONE_REFUSED)).isEqualTo(1);
    }
  }

  @Test
  void aFrontendViewThatKeepsDisagreeing_getsDeviceAndConfigRepublishedAfterResyncMs(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.startWithResync(300, instance("vn0", "eth0", 2, 42));
      f.driverOk("vn0");
      long generation = f.awaitProbeGeneration("vn0");
      int devices = f.mqtt.received(f.topics.virtioDevice("vn0")).size();

      // GIVEN the driver missed the IRQ: its view still says carrier down while the config says up
      Instant now = Instant.now();
      LinkView stale = new LinkView(false, 0, generation - 1, 1500, 1000, Duplex.FULL, 0, "02:00:00:00:00:01",
          "virtio", now, now);
      f.raw(f.topics.rtosLink(2, "vn0"), Codecs.LINK_VIEW.encode(stale), true);

      // THEN after resyncMs the device and the config are republished, the config with an IRQ
      awaitRepairs(f, Repairs.RESYNC, 1);
      await().atMost(BackendFixture.WITHIN).until(() -> f.mqtt.received(f.topics.virtioDevice("vn0")).size() > devices);
      VirtioNetConfig.Generational republished = f.awaitConfig("vn0", c -> true);
      assertThat(VirtioNetConfig.generationAtOrAfter(republished.generation(), generation + 1)).isTrue();
      f.awaitIrqAfterConfig(2, "vn0", f.lastConfig("vn0").generation());

    }
  }
}
