package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.WITHIN;
import static io.virtnet.frontend.FakeBackend.device;
import static io.virtnet.frontend.FakeBackend.linkDown;
import static io.virtnet.frontend.FakeBackend.linkUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class FrontendNodeVerticleTest {
  private static final long G = 1_000;

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private FakeBackend backend;
  private String prefix;
  private String deploymentId;

  @BeforeEach
  void connectBackend(EmbeddedBroker broker) {
    prefix = TestMqtt.uniquePrefix();
    backend = FakeBackend.connect(broker.uri(), prefix);
  }

  @AfterEach
  void closeBackend() {
    if (backend != null) {
      backend.close();
    }
  }

  private FrontendNodeVerticle start(Vertx vertx, EmbeddedBroker broker, Set<VirtioFeature> driverFeatures) throws Exception {
    FrontendConfig cfg = new FrontendConfig("fe-" + prefix, List.of(2, 3), driverFeatures);
    FrontendNodeVerticle node = new FrontendNodeVerticle(cfg, new MqttConfig(prefix),
        MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry);
    deploymentId = vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    return node;
  }

  private FrontendNodeVerticle start(Vertx vertx, EmbeddedBroker broker) throws Exception {
    return start(vertx, broker, FrontendConfig.DEFAULT_DRIVER_FEATURES);
  }

  /** Probes {@code d} with a retained link-up config at generation {@link #G} and waits for its view. */
  private void probeLinkUp(DeviceInfo d) {
    backend.writeConfig(d.instance(), G, linkUp());
    backend.publishDevice(d);
    backend.awaitGeneration(d, G);
  }

  private static JsonObject driver(FrontendNodeVerticle node, String instance) throws Exception {
    return NodeSnapshots.driver(node, instance);
  }

  private static void awaitDriver(FrontendNodeVerticle node, String instance, Predicate<JsonObject> p) {
    await().atMost(WITHIN).pollInterval(Duration.ofMillis(10)).until(() -> {
      JsonObject d = driver(node, instance);
      return d != null && p.test(d);
    });
  }

  private double count(String name, String tag, String value) {
    Counter c = tag == null ? registry.find(name).counter() : registry.find(name).tag(tag, value).counter();
    return c == null ? 0 : c.count();
  }

  private double rejected(String reason) {
    return count("vnet_rejected_messages", "reason", reason);
  }

  @Test
  void discovery_probesOnlyDevicesRoutedToItsCpus(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo onTwo = device("virtio-net0", 2, 42);
    DeviceInfo onThree = device("virtio-net2", 3, 44);
    DeviceInfo onFive = device("virtio-net5", 5, 45);

    backend.publishDevice(onFive);
    probeLinkUp(onTwo);
    probeLinkUp(onThree);

    assertThat(backend.driverFeatures("virtio-net0")).hasSize(1);
    assertThat(backend.driverFeatures("virtio-net2")).hasSize(1);
    JsonObject snap = node.snapshot().await(5, TimeUnit.SECONDS);
    assertThat(snap.getJsonArray("cpus").stream().map(c -> ((JsonObject) c).getJsonArray("drivers").size()))
        .containsExactly(1, 1);
    assertThat(driver(node, "virtio-net5")).isNull();
    assertThat(backend.ctrl("virtio-net5")).isEmpty();
    assertThat(backend.mqtt.received(backend.topics.rtosLink(5, "virtio-net5"))).isEmpty();
  }

  @Test
  void probe_publishesNegotiatedFeatures_andDropsGuestAnnounceWithoutCtrlVq(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42,
        EnumSet.of(VirtioFeature.STATUS, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MAC));

    backend.publishDevice(d);

    JsonObject ctrl = backend.mqtt.awaitAny(backend.topics.virtioCtrl(d.instance()), r -> true, WITHIN).json();
    assertThat(ctrl.getJsonArray("driverFeatures")).containsExactlyInAnyOrder("STATUS", "MAC");
  }

  @Test
  void retainedConfigAtProbe_setsCarrierBeforeAnyIrq(Vertx vertx, EmbeddedBroker broker) throws Exception {
    // GIVEN the backend wrote the config and the device before the frontend started
    DeviceInfo d = device("virtio-net0", 2, 42);
    backend.writeConfig(d.instance(), G, linkUp());
    backend.publishDevice(d);

    // WHEN the frontend starts (no IRQ at all)
    FrontendNodeVerticle node = start(vertx, broker);

    // THEN the probe-time config read sets the carrier and the negotiated fields
    JsonObject view = backend.awaitGeneration(d, G);
    assertThat(view.getBoolean("carrier")).isTrue();
    assertThat(view.getInteger("status")).isEqualTo(1);
    assertThat(view.getInteger("mtu")).isEqualTo(1500);
    assertThat(view.getLong("speed")).isEqualTo(1000);
    assertThat(view.getString("duplex")).isEqualTo("full");
    assertThat(view.getString("mac")).isEqualTo(FakeBackend.MAC);
    assertThat(view.getString("driver")).isEqualTo("virtio");
    assertThat(driver(node, d.instance()).getLong("irqs")).isZero();
    assertThat(count("vnet_frontend_carrier_changes", null, null)).isEqualTo(1);
  }

  @Test
  void irqBeforeConfig_isAppliedWhenTheConfigArrives(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    backend.irq(d, G + 1);
    awaitDriver(node, d.instance(), j -> j.getLong("pendingIrqGeneration") == G + 1);
    assertThat(backend.links(d)).allMatch(j -> j.getLong("generation") == G);

    backend.writeConfig(d.instance(), G + 1, linkDown());

    JsonObject view = backend.awaitGeneration(d, G + 1);
    assertThat(view.getBoolean("carrier")).isFalse();
    assertThat(view.getString("phyTs")).isNotNull();
    assertThat(driver(node, d.instance()).getLong("pendingIrqGeneration")).isEqualTo(-1);
    assertThat(count("vnet_frontend_irqs", "cpu", "2")).isEqualTo(1);
  }

  @Test
  void configBeforeIrq_isAppliedOnlyOnTheIrq(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    backend.writeConfig(d.instance(), G + 1, linkDown());
    awaitDriver(node, d.instance(), j -> j.getLong("storedGeneration") == G + 1);
    assertThat(driver(node, d.instance()).getBoolean("carrier")).isTrue();

    backend.irq(d, G + 1);

    assertThat(backend.awaitGeneration(d, G + 1).getBoolean("carrier")).isFalse();
  }

  @Test
  void staleConfigOlderThanTheIrq_isNeverApplied(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    // an IRQ announcing G+5, then a config from before it (G+4): the IRQ keeps waiting
    backend.irq(d, G + 5);
    awaitDriver(node, d.instance(), j -> j.getLong("pendingIrqGeneration") == G + 5);
    backend.writeConfig(d.instance(), G + 4, linkDown());
    awaitDriver(node, d.instance(), j -> j.getLong("storedGeneration") == G + 4);
    assertThat(driver(node, d.instance()).getLong("generation")).isEqualTo(G);

    backend.writeConfig(d.instance(), G + 5, linkUp());
    backend.awaitGeneration(d, G + 5);

    // and a stored stale config (G+6) does not satisfy a later IRQ (G+7)
    backend.writeConfig(d.instance(), G + 6, linkDown());
    awaitDriver(node, d.instance(), j -> j.getLong("storedGeneration") == G + 6);
    backend.irq(d, G + 7);
    awaitDriver(node, d.instance(), j -> j.getLong("pendingIrqGeneration") == G + 7);
    backend.writeConfig(d.instance(), G + 7, linkUp());
    backend.awaitGeneration(d, G + 7);

    assertThat(backend.links(d)).extracting(j -> j.getLong("generation")).containsExactly(G, G + 5, G + 7);
    assertThat(backend.links(d)).allMatch(j -> j.getBoolean("carrier"));
  }

  @Test
  void announce_isAnsweredWithExactlyOneAck(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    backend.writeConfig(d.instance(), G, linkDown());
    backend.publishDevice(d);
    backend.awaitGeneration(d, G);

    backend.writeConfig(d.instance(), G + 1, FakeBackend.config(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE));
    backend.irq(d, G + 1);
    backend.irq(d, G + 1); // a repeated IRQ for the same generation
    JsonObject view = backend.awaitGeneration(d, G + 1);
    assertThat(view.getBoolean("carrier")).isTrue();
    assertThat(view.getLong("announces")).isEqualTo(1);

    // the backend clears the bit; the next generation is seen without a second ACK
    backend.writeConfig(d.instance(), G + 2, linkUp());
    backend.irq(d, G + 2);
    assertThat(backend.awaitGeneration(d, G + 2).getLong("announces")).isEqualTo(1);
    await().atMost(WITHIN).until(() -> backend.announceAcks(d.instance()).size() == 1);
    assertThat(backend.announceAcks(d.instance())).hasSize(1);
  }

  @Test
  void announceWithoutGuestAnnounce_isNotAcked(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42, EnumSet.of(VirtioFeature.STATUS, VirtioFeature.GUEST_ANNOUNCE));
    backend.writeConfig(d.instance(), G, FakeBackend.config(VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE));
    backend.publishDevice(d);

    assertThat(backend.awaitGeneration(d, G).getLong("announces")).isZero();
    // one more generation handled and seen: an ACK, had one been sent, would have arrived by now
    backend.writeConfig(d.instance(), G + 1, linkUp());
    backend.irq(d, G + 1);
    backend.awaitGeneration(d, G + 1);
    assertThat(backend.announceAcks(d.instance())).isEmpty();
  }

  @Test
  void driverWithoutStatus_seesTheLinkAlwaysUp(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker, EnumSet.of(VirtioFeature.CTRL_VQ, VirtioFeature.MTU, VirtioFeature.MAC));
    DeviceInfo d = device("virtio-net0", 2, 42);
    backend.writeConfig(d.instance(), G, linkDown());

    backend.publishDevice(d);

    JsonObject view = backend.awaitGeneration(d, G);
    assertThat(view.getBoolean("carrier")).isTrue();
    assertThat(view.getString("duplex")).isEqualTo("unknown");
    assertThat(view.getLong("speed")).isEqualTo(-1);
    assertThat(backend.driverFeatures(d.instance()).get(0).getJsonArray("driverFeatures"))
        .containsExactlyInAnyOrder("CTRL_VQ", "MTU", "MAC");
    backend.writeConfig(d.instance(), G + 1, linkDown());
    backend.irq(d, G + 1);
    assertThat(backend.awaitGeneration(d, G + 1).getBoolean("carrier")).isTrue();
    assertThat(count("vnet_frontend_carrier_changes", null, null)).isZero();
  }

  @Test
  void hotUnplug_removesTheDriverAndClearsTheLinkView(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    backend.unplug(d.instance());

    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    await().atMost(WITHIN).until(() -> driver(node, d.instance()) == null);
    try (TestMqtt late = TestMqtt.connect(broker.uri())) {
      late.subscribe(backend.linkTopic(d)).subscribe(prefix + "/marker");
      late.publish(prefix + "/marker", "x");
      late.awaitAny(prefix + "/marker", r -> true, WITHIN);
      assertThat(late.received(backend.linkTopic(d))).isEmpty();
    }
    // an IRQ for the removed device is now unknown
    backend.irq(d, G + 1);
    await().atMost(WITHIN).until(() -> rejected("unknown-irq") == 1);
  }

  @Test
  void hotUnplugAsTheBackendDoesIt_deviceThenConfigCleared_isNoRejection(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    backend.unplug(d.instance());
    backend.mqtt.publish(backend.topics.virtioConfig(d.instance()), new byte[0], true);

    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    await().atMost(WITHIN).until(() -> driver(node, d.instance()) == null);
    assertThat(node.rejectedCount()).isZero();
  }

  @Test
  void changedDevice_isRemovedAndProbedAgainOnItsNewCpu(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    DeviceInfo moved = device("virtio-net0", 3, 50);
    backend.publishDevice(moved);

    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    assertThat(backend.awaitGeneration(moved, G).getBoolean("carrier")).isTrue();
    awaitDriver(node, "virtio-net0", j -> j.getInteger("cpu") == 3 && j.getInteger("irq") == 50);
    assertThat(backend.driverFeatures("virtio-net0")).hasSize(2);

    // moved to a CPU this node does not serve: just removed
    backend.publishDevice(device("virtio-net0", 7, 50));
    backend.mqtt.awaitLast(backend.linkTopic(moved), TestMqtt.Received::isEmpty, WITHIN);
    await().atMost(WITHIN).until(() -> driver(node, "virtio-net0") == null);
  }

  @Test
  void malformedDeviceConfigAndIrqPayloads_areCountedAndChangeNothing(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    backend.mqtt.publishRetained(backend.topics.virtioDevice("virtio-net9"), "{not json");
    backend.mqtt.publishRetained(backend.topics.virtioDevice("virtio-net8"), new JsonObject(Buffer.buffer(Codecs.DEVICE.encode(device("virtio-net8", 2, 48))))
        .put("cpu", 99_999).encode());
    backend.mqtt.publishRetained(backend.topics.virtioDevice("virtio-net7"),
        new String(Codecs.DEVICE.encode(device("virtio-net6", 2, 47)), java.nio.charset.StandardCharsets.UTF_8));
    backend.mqtt.publishRetained(backend.topics.virtioDevice(d.instance()), "[]");
    backend.mqtt.publish(backend.topics.virtioConfig(d.instance()), new byte[10], true);
    backend.mqtt.publish(backend.topics.rtosIrq(2), "{\"irq\":42}");
    backend.irq(2, 99, d.instance(), G + 1);
    backend.irq(2, 42, "virtio-net4", G + 1);

    await().atMost(WITHIN).until(() -> rejected("malformed-json") == 2 && rejected("out-of-range") == 1
        && rejected("instance-mismatch") == 1 && rejected("wrong-size") == 1 && rejected("missing-field") == 1
        && rejected("unknown-irq") == 2);
    assertThat(node.rejectedCount()).isEqualTo(8);
    JsonObject drv = driver(node, d.instance());
    assertThat(drv.getLong("generation")).isEqualTo(G);
    assertThat(drv.getLong("pendingIrqGeneration")).isEqualTo(-1);
    assertThat(drv.getBoolean("carrier")).isTrue();
    JsonObject snap = node.snapshot().await(5, TimeUnit.SECONDS);
    assertThat(snap.getJsonArray("cpus").getJsonObject(0).getJsonArray("drivers")).hasSize(1);
    assertThat(snap.getLong("probes")).isEqualTo(1);

    // and the driver still works
    backend.writeConfig(d.instance(), G + 1, linkDown());
    backend.irq(d, G + 1);
    assertThat(backend.awaitGeneration(d, G + 1).getBoolean("carrier")).isFalse();
  }

  @Test
  void burstOf2000IrqsWithConfigs_endsAtTheLastGenerationsState(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);

    int n = 2_000;
    for (int i = 1; i <= n; i++) {
      backend.writeConfig(d.instance(), G + i, i % 2 == 0 ? linkUp() : linkDown());
      backend.irq(d, G + i);
    }

    JsonObject view = backend.awaitGeneration(d, G + n);
    assertThat(view.getBoolean("carrier")).isTrue();
    awaitDriver(node, d.instance(), j -> j.getLong("irqs") == n);
    JsonObject drv = driver(node, d.instance());
    assertThat(drv.getLong("pendingIrqGeneration")).isEqualTo(-1);
    assertThat(drv.getLong("storedGeneration")).isEqualTo(-1);
    assertThat(backend.links(d)).extracting(j -> j.getLong("generation")).isSorted();
    assertThat(node.rejectedCount()).isZero();
  }

  @Test
  void afterReconnect_retainedConfigResyncsWithoutReprobe_andDriverFeaturesRepeat(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);
    // a config written while its IRQ is lost: stored, not applied
    backend.writeConfig(d.instance(), G + 1, linkDown());
    awaitDriver(node, d.instance(), j -> j.getLong("storedGeneration") == G + 1);

    // WHEN another client takes the frontend's client id, the broker drops the session; it reconnects
    URI uri = URI.create(broker.uri());
    Mqtt5AsyncClient impostor = Mqtt5Client.builder().identifier(FrontendNodeVerticle.clientId(node.frontendConfig()))
        .serverHost(uri.getHost()).serverPort(uri.getPort()).buildAsync();
    impostor.connect().orTimeout(10, TimeUnit.SECONDS).join();

    // THEN the retained config is re-applied at once, DRIVER_OK repeats, and nothing is probed again
    assertThat(backend.awaitGeneration(d, G + 1).getBoolean("carrier")).isFalse();
    await().atMost(WITHIN).until(() -> backend.driverFeatures(d.instance()).size() == 2);
    JsonObject snap = node.snapshot().await(5, TimeUnit.SECONDS);
    assertThat(snap.getLong("probes")).isEqualTo(1);
    assertThat(backend.mqtt.received(backend.linkTopic(d))).noneMatch(TestMqtt.Received::isEmpty);
    impostor.disconnect().exceptionally(e -> null);
  }

  @Test
  void restartedBackendRepublishingTheSameDevice_getsDriverFeaturesAgain_withoutReprobe(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    // GIVEN a probed driver
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    probeLinkUp(d);
    assertThat(backend.driverFeatures(d.instance())).hasSize(1);
    long probes = (long) count("vnet_frontend_probes", null, null);

    // WHEN its backend restarts and publishes the identical device again (DRIVER_OK is not retained)
    backend.publishDevice(d);

    // THEN the driver declares its features again, and is not probed again
    await().atMost(WITHIN).until(() -> backend.driverFeatures(d.instance()).size() == 2);
    assertThat((long) count("vnet_frontend_probes", null, null)).isEqualTo(probes);
  }

  @Test
  void stop_clearsTheLinkViews_andIsSafeTwice(Vertx vertx, EmbeddedBroker broker) throws Exception {
    FrontendNodeVerticle node = start(vertx, broker);
    DeviceInfo d = device("virtio-net0", 2, 42);
    DeviceInfo e = device("virtio-net2", 3, 44);
    probeLinkUp(d);
    probeLinkUp(e);

    vertx.undeploy(deploymentId).await(20, TimeUnit.SECONDS);
    node.stop().await(10, TimeUnit.SECONDS); // a second stop returns the first one's result

    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    backend.mqtt.awaitLast(backend.linkTopic(e), TestMqtt.Received::isEmpty, WITHIN);
    assertThat(vertx.deploymentIDs()).isEmpty();
  }
}
