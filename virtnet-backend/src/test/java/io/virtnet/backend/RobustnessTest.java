package io.virtnet.backend;

import static io.virtnet.backend.BackendFixture.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceMac;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Storms, garbage and broker loss: the backend coalesces, rejects and recovers. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class RobustnessTest {

  @Test
  void stormOfTenThousandEvents_costsAFewConfigWrites_andEndsOnTheFinalPhyState(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      // default linkwatch interval (1 s)
      f.start(instance("vn0", "eth0", 2, 42).withPolicy(LinkPolicyConfig.DEFAULTS));
      f.driverOk("vn0");
      f.awaitCounter("vn0", "driverProbes", 1);
      f.awaitLinkUp("vn0", true);
      int writesBefore = f.configs("vn0").size();

      // WHEN the agent publishes 10,000 carrier flaps as fast as the broker takes them
      MqttSession agent = MqttSession.create(vertx, MqttSessionOptions.forBroker(broker.uri(), "agent-" + f.prefix));
      agent.start().await(10, TimeUnit.SECONDS);
      List<Future<Void>> sent = new ArrayList<>();
      String eventTopic = f.topics.phyEvent("linux0", "eth0");
      for (int i = 0; i < 10_000; i++) {
        boolean on = i % 2 == 0; // the first repeats "up", the last says "down"
        if (on == eth0.carrier) {
          // no edge
        } else if (on) {
          eth0.upCount++;
        } else {
          eth0.downCount++;
        }
        eth0.carrier = on;
        eth0.speed = on ? 1000 : 100;
        NetdevEvent e = eth0.next(NetdevCmd.NETDEV_CHANGE);
        sent.add(agent.publish(eventTopic, Buffer.buffer(Codecs.NETDEV_EVENT.encode(e)), false));
      }
      // the last one leaves the carrier off; the retained state says so too
      Future.all(sent).await(60, TimeUnit.SECONDS);
      agent.publish(f.topics.phyState("linux0", "eth0"), Buffer.buffer(Codecs.NETDEV_STATE.encode(eth0.state())), true).await(10, TimeUnit.SECONDS);
      agent.close(1000).await(10, TimeUnit.SECONDS);
      assertThat(eth0.carrier).isFalse();

      // THEN the instance saw them all, wrote a handful of configs, and the last one is the truth
      f.awaitCounter("vn0", "phyEvents", 10_000);
      VirtioNetConfig.Generational last = f.awaitLinkUp("vn0", false);
      await().atMost(BackendFixture.WITHIN).until(() -> !f.snapshot("vn0").getJsonObject("policy").getBoolean("pending"));
      JsonObject snap = f.snapshot("vn0");
      long writes = f.configs("vn0").size() - writesBefore;
      assertThat(writes).as("config writes for 10,000 events").isBetween(1L, 40L);
      assertThat(snap.getJsonObject("counters").getLong("statusIrqs")).isLessThanOrEqualTo(41);
      assertThat(snap.getJsonObject("counters").getLong("coalesced")).isGreaterThan(9_000);
      assertThat(snap.getJsonObject("counters").getLong("carrierDownCount")).isEqualTo(eth0.downCount);
      VirtioNetConfig finalConfig = f.lastConfig("vn0").config();
      assertThat(finalConfig).isEqualTo(last.config());
      assertThat(finalConfig.linkUp()).isFalse();
      assertThat(finalConfig.speed()).isEqualTo(100);
      assertThat(finalConfig.duplex()).isEqualTo(1);
      assertThat(finalConfig.macString()).isEqualTo(DeviceMac.derive(f.nodeName(), "vn0"));
      assertThat(finalConfig.mtu()).isEqualTo(eth0.mtu);
    }
  }

  @Test
  void garbageOnEverySubscribedTopic_isDroppedAndCounted_andTheInstanceKeepsWorking(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    try (BackendFixture f = new BackendFixture(vertx, broker)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.awaitLinkUp("vn0", true);
      String state = f.topics.phyState("linux0", "eth0");
      String event = f.topics.phyEvent("linux0", "eth0");
      String status = f.topics.phyStatus("linux0");
      String ctrl = f.topics.virtioCtrl("vn0");
      JsonObject good = new JsonObject(Buffer.buffer(
          Codecs.NETDEV_STATE.encode(eth0.state().withSeq(eth0.seq + 1000, java.time.Instant.now()))));
      List<String[]> garbage = List.of(
          new String[] {state, "{"},
          new String[] {state, "{\"pad\":\"" + "a".repeat(5000) + "\"}"},
          new String[] {state, good.copy().put("ifname", "eth 0").encode()},
          new String[] {state, good.copy().put("mtu", "big").encode()},
          new String[] {state, good.copy().put("ifname", "eth1").encode()},
          new String[] {state, good.copy().put("v", 2).encode()},
          new String[] {state, "\"just a string\""},
          new String[] {event, good.copy().put("event", "NETDEV_FOO").encode()},
          new String[] {event, good.copy().put("event", "NETDEV_CHANGE").put("seq", -1).encode()},
          new String[] {event, good.copy().put("carrier", "yes").put("event", "NETDEV_CHANGE").encode()},
          new String[] {event, "[]"},
          new String[] {status, "{\"state\":\"maybe\"}"},
          new String[] {status, "garbage"},
          new String[] {ctrl, "{\"class\":9,\"cmd\":9}"},
          new String[] {ctrl, "{\"driverFeatures\":\"all\"}"},
          new String[] {ctrl, "{\"driverFeatures\":[\"WARP\"]}"},
          new String[] {ctrl, "{"});
      for (String[] g : garbage) {
        f.raw(g[0], g[1]);
      }
      f.raw(state, new byte[] {(byte) 0xC3, (byte) 0x28}, false); // invalid UTF-8
      int expected = garbage.size() + 1;
      f.awaitCounter("vn0", "rejected", expected);

      JsonObject snap = f.snapshot("vn0");
      assertThat(snap.getJsonObject("counters").getLong("rejected")).isEqualTo(expected);
      assertThat(snap.getBoolean("driverLive")).isFalse();
      assertThat(snap.getBoolean("agentOnline")).isTrue();
      assertThat(snap.getBoolean("linkUp")).isTrue();
      assertThat(f.registry.scrape()).contains("vnet_rejected_messages_total{reason=\"malformed-json\",service=\"virtnet-backend\"}");
      assertThat(f.registry.scrape()).contains("reason=\"topic-mismatch\"", "reason=\"unsupported-ctrl\"", "reason=\"oversize\"");

      // still working
      eth0.carrier(false);
      f.awaitLinkUp("vn0", false);
      f.driverOk("vn0");
      f.awaitCounter("vn0", "driverProbes", 1);
    }
  }

  @Test
  void afterABrokerRestart_theConfigIsRewrittenUnderANewGenerationWithAnIrq(Vertx vertx) throws Exception {
    try (EmbeddedBroker own = EmbeddedBroker.start(0); BackendFixture f = new BackendFixture(vertx, own)) {
      SimPhy eth0 = f.phy("eth0", 2);
      eth0.publishState();
      f.start(instance("vn0", "eth0", 2, 42));
      f.driverOk("vn0");
      f.awaitCounter("vn0", "statusIrqs", 1);
      long generation = f.snapshot("vn0").getLong("generation");
      long irqs = f.counters("vn0").getLong("statusIrqs");

      own.restart(); // in-memory persistence: the broker comes back empty

      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
          .until(() -> f.counters("vn0").getLong("statusIrqs") > irqs);
      long after = f.snapshot("vn0").getLong("generation");
      assertThat(VirtioNetConfig.generationAtOrAfter(after, generation + 1)).isTrue();
      // the retained device, config and hold are back on the empty broker
      try (TestMqtt late = TestMqtt.connect(own.uri()).subscribe(f.prefix + "/#")) {
        late.awaitAny(f.topics.virtioDevice("vn0"), r -> !r.isEmpty(), BackendFixture.WITHIN);
        late.awaitAny(f.refTopic("vn0", "eth0"), r -> !r.isEmpty(), BackendFixture.WITHIN);
        late.awaitAny(f.topics.virtioConfig("vn0"),
            r -> !r.isEmpty() && VirtioNetConfig.decodeWire(r.payload()).generation() == after, BackendFixture.WITHIN);
      }
    }
  }
}
