package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import io.virtnet.testsupport.TestMqtt;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The compose broker's security (docs/contract.md §6): deploy/mosquitto/mosquitto.conf and acl as
 * committed, run by Debian's mosquitto, with the password file that gen-passwd.sh makes from the
 * users in .env.example. Refused publishes are dropped silently (MQTT 3.1.1), so each "cannot
 * publish" case is shown by an observer that receives a later, allowed message on the same topic
 * but never the refused one.
 */
@Timeout(60)
class MosquittoAclIT {
  private static final Duration BOUND = Duration.ofSeconds(5);

  @TempDir static Path work;
  private static Mosquitto broker;
  private static Map<String, String> passwords;
  private static TestMqtt observer;

  @BeforeAll
  static void startBroker() {
    broker = Mosquitto.start("deploy/mosquitto/mosquitto.conf", work, null);
    passwords = EnvFile.mqttPasswords();
    observer = login("observer");
    assertThat(observer.trySubscribe("vnet/#")).isTrue();
  }

  @AfterAll
  static void stopBroker() {
    if (observer != null) {
      observer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static TestMqtt login(String user) {
    return services().login(user, passwords.get(user)).connect();
  }

  private static String unique() {
    return UUID.randomUUID().toString();
  }

  @Test
  void anonymousClient_isRefused() {
    assertThat(services().connectFailure())
        .hasValueSatisfying(e -> assertThat(e).isInstanceOf(Mqtt3ConnAckException.class));
  }

  @Test
  void wrongPassword_isRefused() {
    assertThat(services().login("backend", "not-" + passwords.get("backend")).connectFailure())
        .hasValueSatisfying(e -> assertThat(((Mqtt3ConnAckException) e).getMqttMessage().getReturnCode())
            .isIn(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED, Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD));
  }

  /** One user's job: a topic it writes (the observer must receive it). */
  record Write(String user, String topic) {}

  static List<Write> writes() {
    return List.of(
        new Write("agent", "vnet/phy/linux0/status"),
        new Write("agent", "vnet/phy/linux0/eth0/state"),
        new Write("agent", "vnet/phy/linux0/eth0/event"),
        new Write("backend", "vnet/backend/backend0/status"),
        new Write("backend", "vnet/phy/linux0/eth0/ref/virtio-net0"),
        new Write("backend", "vnet/virtio/virtio-net0/device"),
        new Write("backend", "vnet/virtio/virtio-net0/config"),
        new Write("backend", "vnet/rtos/2/irq"),
        new Write("frontend", "vnet/virtio/virtio-net0/ctrl"),
        new Write("frontend", "vnet/rtos/2/virtio-net0/link"),
        new Write("injector", "vnet/phy/linux0/eth0/cmd"));
  }

  @ParameterizedTest
  @MethodSource("writes")
  void serviceUser_canPublishItsTopics(Write w) {
    String payload = "{\"it\":\"" + unique() + "\"}";
    try (TestMqtt writer = login(w.user())) {
      writer.publish(w.topic(), payload, false);
    }
    observer.awaitMatching(w.user() + " → " + w.topic(), BOUND,
        r -> r.topic().equals(w.topic()) && r.text().equals(payload));
  }

  /** One user's subscription and a user allowed to write a topic under it. */
  record Read(String user, String filter, String writer, String topic) {}

  static List<Read> reads() {
    return List.of(
        new Read("agent", "vnet/phy/linux0/+/cmd", "injector", "vnet/phy/linux0/eth1/cmd"),
        new Read("agent", "vnet/phy/linux0/+/ref/+", "backend", "vnet/phy/linux0/eth1/ref/virtio-net1"),
        new Read("agent", "vnet/backend/+/status", "backend", "vnet/backend/backend1/status"),
        new Read("backend", "vnet/phy/#", "agent", "vnet/phy/linux0/eth1/event"),
        new Read("backend", "vnet/virtio/+/ctrl", "frontend", "vnet/virtio/virtio-net1/ctrl"),
        new Read("backend", "vnet/rtos/+/+/link", "frontend", "vnet/rtos/3/virtio-net2/link"),
        new Read("frontend", "vnet/virtio/+/device", "backend", "vnet/virtio/virtio-net2/device"),
        new Read("frontend", "vnet/virtio/+/config", "backend", "vnet/virtio/virtio-net2/config"),
        new Read("frontend", "vnet/rtos/+/irq", "backend", "vnet/rtos/3/irq"),
        new Read("injector", "vnet/#", "agent", "vnet/phy/linux0/eth0/state"),
        new Read("observer", "$SYS/broker/version", null, "$SYS/broker/version"));
  }

  @ParameterizedTest
  @MethodSource("reads")
  void serviceUser_canSubscribeItsTopics(Read r) {
    try (TestMqtt reader = login(r.user())) {
      assertThat(reader.trySubscribe(r.filter())).as(r.user() + " subscribes " + r.filter()).isTrue();
      String payload = "{\"it\":\"" + unique() + "\"}";
      if (r.writer() != null) {
        try (TestMqtt writer = login(r.writer())) {
          writer.publish(r.topic(), payload, false);
        }
      }
      // the broker's $SYS/broker/version is retained: the compose health check reads it as the observer
      reader.awaitMatching(r.user() + " ← " + r.topic(), BOUND,
          m -> m.topic().equals(r.topic()) && (r.writer() == null || m.text().equals(payload)));
    }
  }

  /** A publish the ACL must drop, and the user who may write that topic (for the sentinel). */
  record Forbidden(String user, String topic, String allowedWriter) {}

  static List<Forbidden> forbidden() {
    return List.of(
        new Forbidden("frontend", "vnet/phy/linux0/eth0/event", "agent"),
        new Forbidden("frontend", "vnet/phy/linux0/eth0/state", "agent"),
        new Forbidden("frontend", "vnet/rtos/2/irq", "backend"),
        new Forbidden("frontend", "vnet/virtio/virtio-net0/config", "backend"),
        new Forbidden("backend", "vnet/phy/linux0/eth0/event", "agent"),
        new Forbidden("agent", "vnet/virtio/virtio-net0/device", "backend"),
        new Forbidden("agent", "vnet/rtos/2/virtio-net0/link", "frontend"),
        new Forbidden("observer", "vnet/phy/linux0/eth0/cmd", "injector"),
        new Forbidden("observer", "vnet/phy/linux0/eth0/event", "agent"),
        new Forbidden("observer", "vnet/rtos/2/virtio-net0/link", "frontend"));
  }

  @ParameterizedTest
  @MethodSource("forbidden")
  void publishOutsideTheAcl_isDropped(Forbidden f) {
    String refused = "{\"refused\":\"" + unique() + "\"}";
    String sentinel = "{\"sentinel\":\"" + unique() + "\"}";
    try (TestMqtt intruder = login(f.user()); TestMqtt writer = login(f.allowedWriter())) {
      intruder.publish(f.topic(), refused, true); // PUBACKed, then dropped by the ACL
      writer.publish(f.topic(), sentinel, false);
    }
    observer.awaitMatching("sentinel on " + f.topic(), BOUND, r -> r.topic().equals(f.topic()) && r.text().equals(sentinel));
    assertThat(observer.saw(r -> r.text().equals(refused)))
        .as(f.user() + " must not be able to publish " + f.topic()).isFalse();
    // nor was it retained for a later subscriber
    try (TestMqtt late = login("observer")) {
      late.subscribe(f.topic());
      late.publish("vnet/none", "x", false); // a round trip: the retained copies came before its PUBACK
      assertThat(late.saw(r -> r.text().equals(refused))).isFalse();
    }
  }

  @Test
  void frontendUser_neverReceivesPhyEvents() {
    // Mosquitto 2 grants the SUBSCRIBE itself; the ACL's read grants decide what is delivered.
    String event = "{\"event\":\"" + unique() + "\"}";
    String irq = "{\"irq\":\"" + unique() + "\"}";
    try (TestMqtt frontend = login("frontend"); TestMqtt agent = login("agent"); TestMqtt backend = login("backend")) {
      frontend.subscribe("vnet/phy/+/+/event");
      frontend.subscribe("vnet/rtos/+/irq");
      agent.publish("vnet/phy/linux0/eth0/event", event, false);
      backend.publish("vnet/rtos/2/irq", irq, false);
      frontend.awaitMatching("the later IRQ", BOUND, r -> r.text().equals(irq));
      assertThat(frontend.saw(r -> r.text().equals(event))).as("frontend must not read PHY events").isFalse();
    }
  }

  /** A test client for the broker as the services speak to it (MQTT 3.1.1). */
  private static TestMqtt.Options services() {
    return TestMqtt.to("127.0.0.1", broker.port()).mqtt311();
  }
}
