package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.WITHIN;
import static io.virtnet.frontend.FakeBackend.device;
import static io.virtnet.frontend.FakeBackend.linkDown;
import static io.virtnet.frontend.FakeBackend.linkUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The frontend converges to the retained store after lies and losses (docs/contract.md §3), on the
 * real broker: {@link FakeBackend} plays the backend, another client plays the liar.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class ConvergenceTest {
  private static final long G = 1_000;
  /** What the contract promises for a cable pull after a lie. */
  private static final Duration CABLE_PULL_WITHIN = Duration.ofSeconds(5);

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private FakeBackend backend;
  private TestMqtt liar;
  private FrontendNodeVerticle node;
  private String prefix;

  @BeforeEach
  void start(Vertx vertx, EmbeddedBroker broker) throws Exception {
    prefix = TestMqtt.uniquePrefix();
    backend = FakeBackend.connect(broker.uri(), prefix);
    liar = TestMqtt.connect(broker.uri());
    node = new FrontendNodeVerticle(new FrontendConfig("fe-" + prefix, List.of(2, 3), FrontendConfig.DEFAULT_DRIVER_FEATURES),
        new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "ignored"), registry);
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    liar.close();
    backend.close();
  }

  private DeviceInfo probedLinkUp(String instance, int cpu, int irq) {
    DeviceInfo d = device(instance, cpu, irq);
    backend.writeConfig(instance, G, linkUp());
    backend.publishDevice(d);
    backend.awaitGeneration(d, G);
    return d;
  }

  private JsonObject driver(String instance) throws Exception {
    return NodeSnapshots.driver(node, instance);
  }

  private double repairs(String kind) {
    Counter c = registry.find("vnet_repairs").tag("service", "frontend").tag("kind", kind).counter();
    return c == null ? 0 : c.count();
  }

  /** A cable pull (config, then IRQ, as the backend does) reaches the driver's view within the contract's 5 s. */
  private void cablePullReaches(DeviceInfo d, long generation) {
    backend.writeConfig(d.instance(), generation, linkDown());
    backend.irq(d, generation);
    JsonObject view = backend.mqtt.awaitLast(backend.linkTopic(d),
        r -> !r.isEmpty() && r.json().getLong("generation") == generation, CABLE_PULL_WITHIN).json();
    assertThat(view.getBoolean("carrier")).isFalse();
  }

  @Test
  void liveEmptyDevice_fromAnotherClient_leavesTheDriver_andACablePullStillReachesIt() throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);

    // WHEN another client publishes an empty device, not retained: the store still holds the device
    liar.publish(backend.topics.virtioDevice(d.instance()), new byte[0], false);

    // THEN the frontend re-reads the store, keeps the driver, and counts the repair
    await().atMost(WITHIN).until(() -> repairs(Repairs.GONE_REFUSED) == 1);
    assertThat(driver(d.instance())).isNotNull();
    assertThat(node.snapshot().await(5, TimeUnit.SECONDS).getJsonObject("repairs").getLong(Repairs.GONE_REFUSED)).isEqualTo(1);
    assertThat(backend.mqtt.received(backend.linkTopic(d))).noneMatch(TestMqtt.Received::isEmpty);
    assertThat(count("vnet_frontend_probes")).isEqualTo(1);
    cablePullReaches(d, G + 1);
  }

  @Test
  void retainedClearOfTheDevice_byAnotherClient_theDriverIsBackOnceItsOwnerReassertsIt() throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);

    // WHEN another client clears the retained device, and its owner re-asserts it at once
    liar.publish(backend.topics.virtioDevice(d.instance()), new byte[0], true);
    backend.publishDevice(d);

    // THEN a driver is there and a cable pull reaches it
    await().atMost(WITHIN).until(() -> driver(d.instance()) != null);
    cablePullReaches(d, G + 1);
  }

  @Test
  void retainedClearOfTheDevice_withItsOwnerLate_removesTheDriverUntilTheDeviceIsBack() throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);

    // WHEN another client clears the retained device and nobody re-asserts it for a while
    liar.publish(backend.topics.virtioDevice(d.instance()), new byte[0], true);

    // THEN the store agrees it is gone: the driver is removed (its view cleared)
    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    await().atMost(WITHIN).until(() -> driver(d.instance()) == null);

    // AND once the owner re-asserts the device, the driver is back and follows the cable
    backend.publishDevice(d);
    backend.awaitGeneration(d, G);
    cablePullReaches(d, G + 1);
  }

  @Test
  void irqForADeviceTheCpuDoesNotKnow_makesTheNodeRereadIt() throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);
    // GIVEN the node lost its knowledge of the device (as a lost message would) while the store holds it
    node.loseDevice(d.instance()).await(5, TimeUnit.SECONDS);
    backend.mqtt.awaitLast(backend.linkTopic(d), TestMqtt.Received::isEmpty, WITHIN);
    assertThat(driver(d.instance())).isNull();

    // WHEN the backend raises an IRQ for it (a cable pull)
    backend.writeConfig(d.instance(), G + 1, linkDown());
    backend.irq(d, G + 1);

    // THEN the IRQ is refused, the device re-read and probed again from the store, with the current config
    JsonObject view = backend.mqtt.awaitLast(backend.linkTopic(d),
        r -> !r.isEmpty() && r.json().getLong("generation") == G + 1, CABLE_PULL_WITHIN).json();
    assertThat(view.getBoolean("carrier")).isFalse();
    await().atMost(WITHIN).until(() -> repairs(Repairs.DEVICE_REREAD) == 1);
    assertThat(count("vnet_frontend_probes")).isEqualTo(2);
    cablePullReaches(d, G + 2);
  }

  @Test
  void irqStormForADeviceNobodyHas_isRefused_andChangesNothing() throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);

    for (int i = 0; i < 50; i++) {
      backend.irq(2, 49, "virtio-net9", G + i);
    }

    await().atMost(WITHIN).until(() -> count("vnet_rejected_messages") == 50);
    assertThat(repairs(Repairs.DEVICE_REREAD)).isZero();
    assertThat(driver("virtio-net9")).isNull();
    cablePullReaches(d, G + 1);
  }

  @Test
  void clearedOrOverwrittenLinkView_isReassertedAtOnce(EmbeddedBroker broker) throws Exception {
    DeviceInfo d = probedLinkUp("virtio-net0", 2, 42);
    JsonObject own = backend.links(d).get(backend.links(d).size() - 1);

    // WHEN another client clears the frontend's retained view
    int mark = backend.mqtt.mark();
    liar.publish(backend.linkTopic(d), new byte[0], true);

    // THEN the frontend publishes it again (which may reach this observer before the liar's write does),
    // and a late subscriber finds it retained
    backend.mqtt.awaitAnySince(mark, backend.linkTopic(d), r -> !r.isEmpty() && r.json().equals(own), WITHIN);
    await().atMost(WITHIN).until(() -> repairs(Repairs.LINK_VIEW) == 1);
    assertRetainedView(broker, d, own);

    // AND a forged view saying "carrier off" is overwritten the same way
    mark = backend.mqtt.mark();
    liar.publish(backend.linkTopic(d), own.copy().put("carrier", false).encode().getBytes(), true);
    backend.mqtt.awaitAnySince(mark, backend.linkTopic(d), r -> !r.isEmpty() && r.json().equals(own), WITHIN);
    await().atMost(WITHIN).until(() -> repairs(Repairs.LINK_VIEW) == 2);
    assertRetainedView(broker, d, own);
  }

  private void assertRetainedView(EmbeddedBroker broker, DeviceInfo d, JsonObject expected) {
    try (TestMqtt late = TestMqtt.connect(broker.uri())) {
      late.subscribe(backend.linkTopic(d));
      late.awaitAny(backend.linkTopic(d), r -> r.retained() && !r.isEmpty() && r.json().equals(expected), WITHIN);
    }
  }

  private double count(String name) {
    return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
