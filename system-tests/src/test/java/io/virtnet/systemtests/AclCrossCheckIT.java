package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.broker.auth.Acl;
import io.virtnet.broker.auth.BrokerSecurity;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import io.virtnet.testsupport.TestMqtt;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ACL for both brokers (docs/contract.md §6): deploy/mosquitto/acl and the password file that
 * gen-passwd.sh makes from .env.example, run by Debian's Mosquitto and by the embedded HiveMQ CE
 * (the launcher's --mqtt-passwd/--mqtt-acl). The same probes, every (user, topic, read or write) of
 * the stack's topics, must be allowed or refused alike by both brokers and by {@link Acl}'s model.
 * Writes are published retained, so a refused write must also leave nothing retained.
 */
@Timeout(120)
class AclCrossCheckIT {
  private static final Duration BOUND = Duration.ofSeconds(10);
  // injector first: the last allowed writer of a topic then holds its retained value, not the injector
  private static final List<String> USERS = List.of("injector", "agent", "backend", "frontend", "observer");
  private static final List<String> TOPICS = List.of(
      "vnet/phy/linux0/status", "vnet/phy/linux0/eth0/state", "vnet/phy/linux0/eth0/event", "vnet/phy/linux0/eth0/cmd",
      "vnet/phy/linux0/eth0/ref/virtio-net0", "vnet/backend/backend0/status", "vnet/virtio/virtio-net0/device",
      "vnet/virtio/virtio-net0/config", "vnet/virtio/virtio-net0/ctrl", "vnet/rtos/2/irq", "vnet/rtos/2/virtio-net0/link",
      "vnet/phy/linux0", "vnet/other");
  /** Topics the stack never uses, one of which each user may read: where the "all sent" markers go. */
  private static final List<String> MARKER_TOPICS = List.of("vnet/phy/marker/m/cmd", "vnet/virtio/marker/device");

  @TempDir static Path work;
  private static Mosquitto mosquitto;
  private static EmbeddedBroker hivemq;
  private static Map<String, String> passwords;
  private static Acl acl;

  @BeforeAll
  static void startBothBrokers() {
    mosquitto = Mosquitto.start("deploy/mosquitto/mosquitto.conf", work, null);
    passwords = EnvFile.mqttPasswords();
    BrokerSecurity security = BrokerSecurity.load(work.resolve("passwd"), work.resolve("acl"));
    acl = security.acl();
    hivemq = EmbeddedBroker.start(0, security);
  }

  @AfterAll
  static void stopBothBrokers() {
    if (hivemq != null) {
      hivemq.close();
    }
    if (mosquitto != null) {
      mosquitto.close();
    }
  }

  record Probe(String user, String topic, Acl.Access access) implements Comparable<Probe> {
    @Override
    public int compareTo(Probe o) {
      return toString().compareTo(o.toString());
    }
  }

  @Test
  void everyReadAndWriteProbe_isDecidedAlikeByMosquittoHivemqAndTheModel() {
    String nonce = UUID.randomUUID().toString().substring(0, 8);
    Outcome onMosquitto = probe(mosquitto.port(), nonce);
    Outcome onHivemq = probe(hivemq.port(), nonce);

    Map<Probe, Boolean> model = new TreeMap<>();
    for (String user : USERS) {
      for (String topic : TOPICS) {
        for (Acl.Access access : Acl.Access.values()) {
          model.put(new Probe(user, topic, access), acl.allows(user, "it-" + user, topic, access));
        }
      }
    }
    assertThat(model.values()).as("the probes cover allowed and refused cases").contains(true, false);
    assertThat(onMosquitto.allowed()).as("Mosquitto vs the model").isEqualTo(model);
    assertThat(onHivemq.allowed()).as("HiveMQ vs Mosquitto").isEqualTo(onMosquitto.allowed());
    assertThat(onHivemq.retained()).as("retained values, HiveMQ vs Mosquitto").isEqualTo(onMosquitto.retained());
    for (String topic : TOPICS) {
      String lastAllowed = USERS.stream().filter(u -> model.get(new Probe(u, topic, Acl.Access.WRITE)))
          .reduce((a, b) -> b).orElseThrow();
      assertThat(onMosquitto.retained().get(topic)).as("retained on " + topic).isEqualTo(writePayload(nonce, lastAllowed, topic));
    }
  }

  @Test
  void anonymousAndWrongPassword_areRefusedByBoth() {
    for (int port : new int[] {mosquitto.port(), hivemq.port()}) {
      assertThat(TestMqtt.to("127.0.0.1", port).mqtt311().connectFailure())
          .hasValueSatisfying(e -> assertThat(((Mqtt3ConnAckException) e).getMqttMessage().getReturnCode())
              .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED));
      assertThat(TestMqtt.to("127.0.0.1", port).mqtt311().login("backend", "not-" + passwords.get("backend")).connectFailure())
          .hasValueSatisfying(e -> assertThat(((Mqtt3ConnAckException) e).getMqttMessage().getReturnCode())
              .isEqualTo(Mqtt3ConnAckReturnCode.NOT_AUTHORIZED));
      assertThat(TestMqtt.to("127.0.0.1", port).mqtt311().login("nobody", "x").connectFailure()).isPresent();
      assertThat(TestMqtt.to("127.0.0.1", port).mqtt311().login("observer", passwords.get("observer")).connectFailure()).isEmpty();
    }
  }

  @Test
  void mqtt5_aRefusedPublishIsAckedNotAuthorized_andAnAllowedOneSuccess_byBoth() {
    for (int port : new int[] {mosquitto.port(), hivemq.port()}) {
      Mqtt5AsyncClient agent = Mqtt5Client.builder().identifier("it-v5-" + UUID.randomUUID().toString().substring(0, 8))
          .serverHost("127.0.0.1").serverPort(port).buildAsync();
      agent.connectWith().simpleAuth().username("agent").password(passwords.get("agent").getBytes(StandardCharsets.UTF_8))
          .applySimpleAuth().send().orTimeout(10, TimeUnit.SECONDS).join();
      try {
        assertThat(pubAck(agent, "vnet/virtio/virtio-net0/device")).as("forbidden, port " + port)
            .isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED);
        assertThat(pubAck(agent, "vnet/phy/linux0/eth0/event")).as("allowed, port " + port)
            .isIn(Mqtt5PubAckReasonCode.SUCCESS, Mqtt5PubAckReasonCode.NO_MATCHING_SUBSCRIBERS);
        assertThat(agent.getState().isConnected()).as("still connected, port " + port).isTrue();
      } finally {
        agent.disconnect().orTimeout(10, TimeUnit.SECONDS).join();
      }
    }
  }

  private static Mqtt5PubAckReasonCode pubAck(Mqtt5AsyncClient client, String topic) {
    try {
      Mqtt5PublishResult result = client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
          .payload("{\"v5\":true}".getBytes(StandardCharsets.UTF_8)).send().orTimeout(10, TimeUnit.SECONDS).join();
      return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode();
    } catch (CompletionException e) {
      // the client completes a PUBACK with an error code exceptionally
      if (e.getCause() instanceof Mqtt5PubAckException refused) {
        return refused.getMqttMessage().getReasonCode();
      }
      throw e;
    }
  }

  @Test
  void aWillOnATopicTheUserMayNotWrite_neverFires_onEither() throws Exception {
    for (int port : new int[] {mosquitto.port(), hivemq.port()}) {
      String nonce = UUID.randomUUID().toString().substring(0, 8);
      try (TestMqtt watch = login(port, "injector")) {
        watch.trySubscribe("vnet/#");
        // GIVEN two agent connections, one with a will it may write and one with a will it may not
        String allowed = "will-allowed:" + nonce;
        String forged = "will-forged:" + nonce;
        try (Socket ok = connectWithWill(port, "agent", "vnet/phy/linux0/status", allowed);
            Socket bad = connectWithWill(port, "agent", "vnet/virtio/virtio-net0/device", forged)) {
          // WHEN both connections die without a DISCONNECT (try-with-resources closes the sockets)
          assertThat(ok.isConnected() && bad.isConnected()).isTrue();
        }
        // THEN the allowed will arrives, and after a later marker the forbidden one still has not
        watch.awaitMatching("the allowed will on port " + port, BOUND, r -> r.text().equals(allowed));
        String marker = "will-marker:" + nonce;
        watch.publish(MARKER_TOPICS.get(0), marker, false);
        watch.awaitMatching("the marker", BOUND, r -> r.text().equals(marker));
        assertThat(watch.saw(r -> r.text().equals(forged))).as("a will the agent may not write, port " + port).isFalse();
      }
    }
  }

  /**
   * An MQTT 3.1.1 CONNECT with a will, written by hand: the test clients cannot end a connection
   * without a DISCONNECT, which discards the will. Returns the socket once the broker accepted it.
   */
  private static Socket connectWithWill(int port, String user, String willTopic, String willMessage) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(body);
    out.writeUTF("MQTT");
    out.writeByte(4);
    out.writeByte(0x80 | 0x40 | 0x08 | 0x04 | 0x02); // user name, password, will QoS 1, will, clean session
    out.writeShort(60);
    out.writeUTF("it-will-" + UUID.randomUUID().toString().substring(0, 8));
    out.writeUTF(willTopic);
    out.writeUTF(willMessage);
    out.writeUTF(user);
    out.writeUTF(passwords.get(user));
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    OutputStream os = socket.getOutputStream();
    os.write(0x10);
    int remaining = body.size();
    do {
      int digit = remaining % 128;
      remaining /= 128;
      os.write(remaining > 0 ? digit | 0x80 : digit);
    } while (remaining > 0);
    body.writeTo(os);
    os.flush();
    byte[] connack = socket.getInputStream().readNBytes(4);
    assertThat(connack).as("CONNACK, accepted").containsExactly(0x20, 0x02, 0x00, 0x00);
    return socket;
  }

  record Outcome(Map<Probe, Boolean> allowed, Map<String, String> retained) {}

  private static String writePayload(String nonce, String user, String topic) {
    return "write:" + nonce + ":" + user + ":" + topic;
  }

  private static String markerTopic(String user) {
    return MARKER_TOPICS.stream().filter(t -> acl.allows(user, "it-" + user, t, Acl.Access.READ)).findFirst()
        .orElseThrow(() -> new AssertionError(user + " may read none of " + MARKER_TOPICS));
  }

  /** Runs every probe on the broker at {@code port}: which reads arrive, which writes are delivered and retained. */
  private static Outcome probe(int port, String nonce) {
    Map<String, TestMqtt> clients = new LinkedHashMap<>();
    try (TestMqtt injector = login(port, "injector"); TestMqtt watch = login(port, "injector")) {
      for (String user : USERS) {
        TestMqtt c = login(port, user);
        clients.put(user, c);
        for (String topic : TOPICS) {
          c.trySubscribe(topic); // granted by both: the read grants decide what is delivered
        }
        c.trySubscribe(markerTopic(user));
      }
      watch.trySubscribe("vnet/#");
      Map<Probe, Boolean> allowed = new TreeMap<>();

      // READ: the injector publishes on every topic, then a marker to each user
      for (String topic : TOPICS) {
        injector.publish(topic, "read:" + nonce + ":" + topic, false);
      }
      String readMarker = "read-marker:" + nonce;
      MARKER_TOPICS.forEach(t -> injector.publish(t, readMarker, false));
      for (String user : USERS) {
        TestMqtt c = clients.get(user);
        c.awaitMatching(user + "'s read marker", BOUND, r -> r.text().equals(readMarker));
        // HiveMQ does not order deliveries across topics: also wait for what the model lets through
        awaitAll(c, user + "'s allowed reads", TOPICS.stream().filter(t -> acl.allows(user, "it-" + user, t, Acl.Access.READ))
            .map(t -> "read:" + nonce + ":" + t).toList());
        for (String topic : TOPICS) {
          String payload = "read:" + nonce + ":" + topic;
          allowed.put(new Probe(user, topic, Acl.Access.READ), c.saw(r -> r.topic().equals(topic) && r.text().equals(payload)));
        }
      }

      // WRITE: every user publishes (retained) on every topic; the injector's watch sees what got through
      for (String user : USERS) {
        for (String topic : TOPICS) {
          clients.get(user).publish(topic, writePayload(nonce, user, topic), true);
        }
      }
      String writeMarker = "write-marker:" + nonce;
      injector.publish(MARKER_TOPICS.get(0), writeMarker, false);
      watch.awaitMatching("the write marker", BOUND, r -> r.text().equals(writeMarker));
      // a PUBACK to one client does not order HiveMQ's delivery to another: wait for the allowed writes too
      awaitAll(watch, "the allowed writes", USERS.stream().flatMap(u -> TOPICS.stream()
          .filter(t -> acl.allows(u, "it-" + u, t, Acl.Access.WRITE)).map(t -> writePayload(nonce, u, t))).toList());
      for (String user : USERS) {
        for (String topic : TOPICS) {
          String payload = writePayload(nonce, user, topic);
          allowed.put(new Probe(user, topic, Acl.Access.WRITE), watch.saw(r -> r.text().equals(payload)));
        }
      }
      return new Outcome(allowed, retained(port, nonce));
    } finally {
      clients.values().forEach(TestMqtt::close);
    }
  }

  /**
   * Waits until {@code client} received each of {@code payloads}. Used after a marker, so a broker that
   * delivers later than the marker is not mistaken for one that refuses; one still missing after the
   * bound shows up in the comparison of the outcomes.
   */
  private static void awaitAll(TestMqtt client, String what, List<String> payloads) {
    try {
      await(what).atMost(BOUND).until(() -> payloads.stream().allMatch(p -> client.saw(r -> r.text().equals(p))));
    } catch (ConditionTimeoutException e) {
      // compared below, with every probe's outcome in the message
    }
  }

  /** What a late subscriber gets retained on each probe topic. */
  private static Map<String, String> retained(int port, String nonce) {
    try (TestMqtt late = login(port, "injector")) {
      late.trySubscribe("vnet/#");
      late.awaitMatching("retained probe values", BOUND,
          r -> TOPICS.stream().allMatch(t -> late.last(t).isPresent()));
      String marker = "retained-marker:" + nonce;
      late.publish(MARKER_TOPICS.get(0), marker, false);
      late.awaitMatching("the retained marker", BOUND, r -> r.text().equals(marker));
      Map<String, String> out = new TreeMap<>();
      for (String topic : TOPICS) {
        Optional<TestMqtt.Received> last = late.received().stream()
            .filter(r -> r.topic().equals(topic) && r.retained()).reduce((a, b) -> b);
        out.put(topic, last.map(TestMqtt.Received::text).orElse(null));
      }
      return out;
    }
  }

  private static TestMqtt login(int port, String user) {
    return TestMqtt.to("127.0.0.1", port).mqtt311().login(user, passwords.get(user)).connect();
  }
}
