package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.WITHIN;
import static io.virtnet.frontend.FakeBackend.device;
import static io.virtnet.frontend.FakeBackend.linkDown;
import static io.virtnet.frontend.FakeBackend.linkUp;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Both forms of the {@code irq} message on the real broker (docs/contract.md §4): the list a backend
 * of contract revision 2 sends, and contract 1's single form from an outside client.
 */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class IrqFormsTest {
  private static final long G = 1_000;

  private FakeBackend backend;
  private TestMqtt outsider;
  private FrontendNodeVerticle node;

  @BeforeEach
  void start(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String prefix = TestMqtt.uniquePrefix();
    backend = FakeBackend.connect(broker.uri(), prefix);
    outsider = TestMqtt.connect(broker.uri());
    node = new FrontendNodeVerticle(new FrontendConfig("fe-" + prefix, List.of(2, 3), FrontendConfig.DEFAULT_DRIVER_FEATURES),
        new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "ignored"), new SimpleMeterRegistry());
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() {
    outsider.close();
    backend.close();
  }

  private DeviceInfo probedLinkUp(String instance, int irq) {
    DeviceInfo d = device(instance, 2, irq);
    backend.writeConfig(instance, G, linkUp());
    backend.publishDevice(d);
    backend.awaitGeneration(d, G);
    return d;
  }

  private long storedGeneration(DeviceInfo d) throws Exception {
    JsonObject drv = NodeSnapshots.driver(node, d.instance());
    return drv == null ? -1 : drv.getLong("storedGeneration");
  }

  @Test
  void contractOneSingleFormIrq_fromAnOutsideClient_isStillHandled() {
    DeviceInfo d = probedLinkUp("virtio-net0", 42);
    backend.writeConfig(d.instance(), G + 1, linkDown());

    outsider.publish(backend.topics.rtosIrq(2), new JsonObject().put("irq", 42).put("instance", d.instance())
        .put("isr", VirtioNetConfig.ISR_CONFIG).put("generation", G + 1).put("ts", Instant.now().toString()).encode());

    assertThat(backend.awaitGeneration(d, G + 1).getBoolean("carrier")).isFalse();
    assertThat(node.rejectedCount()).isZero();
  }

  @Test
  void aListOfIrqsForTwoDevices_isHandledInOrder() {
    DeviceInfo a = probedLinkUp("virtio-net0", 42);
    DeviceInfo b = probedLinkUp("virtio-net1", 43);
    backend.writeConfig(a.instance(), G + 1, linkDown());
    backend.writeConfig(b.instance(), G + 1, linkDown());
    // both configs stored (a live config waits for its IRQ) before the IRQ, as the backend orders them
    await().atMost(WITHIN).until(() -> storedGeneration(a) == G + 1 && storedGeneration(b) == G + 1);

    Instant now = Instant.now();
    IrqMessage both = new IrqMessage(List.of(
        new Irq(43, b.instance(), VirtioNetConfig.ISR_CONFIG, G + 1, now),
        new Irq(42, a.instance(), VirtioNetConfig.ISR_CONFIG, G + 1, now)), now);
    outsider.publish(backend.topics.rtosIrq(2), Codecs.IRQ.encode(both), false);

    JsonObject viewB = backend.awaitGeneration(b, G + 1);
    JsonObject viewA = backend.awaitGeneration(a, G + 1);
    assertThat(viewA.getBoolean("carrier")).isFalse();
    assertThat(viewB.getBoolean("carrier")).isFalse();
    // each view is stamped when its IRQ is handled: b's first, as listed
    assertThat(Instant.parse(viewB.getString("ts"))).isBeforeOrEqualTo(Instant.parse(viewA.getString("ts")));
    assertThat(node.rejectedCount()).isZero();
  }
}
