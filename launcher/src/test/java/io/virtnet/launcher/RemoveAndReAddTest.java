package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.virtnet.backend.BackendNodeVerticle;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 18 item 3, end to end on the real broker: an instance removed ({@code DELETE}) and added again
 * under the same name ({@code POST}) at once, round after round, never has the old instance's clearing
 * publishes land after the new one's: every retained topic of the instance ends as the new instance
 * wrote it, the frontend shows the new device, the PHY is held once, and a cable pull reaches it.
 */
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class RemoveAndReAddTest extends DefaultStackTest {
  private static final Logger LOG = LoggerFactory.getLogger(RemoveAndReAddTest.class);
  private static final String NAME = "virtio-net7";
  private static final int IRQ = 47;
  private static final int ROUNDS = 50;
  private static final Duration WITHIN = Duration.ofSeconds(5);
  private static final Duration HTTP = Duration.ofSeconds(10);

  private WebClient http;

  /** The instance of round {@code round}: on eth1, its CPU alternating every two rounds, a MAC of its own. */
  private static JsonObject instance(int round) {
    return new JsonObject().put("name", NAME).put("phy", "eth1").put("agent", "linux0")
        .put("cpu", cpu(round)).put("irq", IRQ).put("mac", mac(round));
  }

  private static int cpu(int round) {
    return 2 + (round / 2) % 2; // 2, 2, 3, 3, 2, …: half the re-adds move the device, half keep its CPU
  }

  private static String mac(int round) {
    return String.format("02:5e:00:00:%02x:%02x", round / 256, round % 256);
  }

  private String device() {
    return p + "/virtio/" + NAME + "/device";
  }

  private String config() {
    return p + "/virtio/" + NAME + "/config";
  }

  private String ref() {
    return p + "/phy/linux0/eth1/ref/" + NAME;
  }

  @Test
  void removeAndReAddAtOnce_theNewInstanceIsWhatStays_andACablePullReachesIt(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    http = WebClient.create(vertx);
    try {
      // GIVEN the instance hot-plugged and live
      assertThat(status(post(instance(0)))).isEqualTo(201);
      awaitNewInstance(0);

      // WHEN it is removed and added again, ROUNDS times, with another MAC (and every other time another CPU)
      int refusedBeforeTheDelete = 0;
      long started = System.nanoTime();
      for (int round = 1; round <= ROUNDS; round++) {
        int mark = mqtt.received().size();
        refusedBeforeTheDelete += round % 2 == 0 ? pipelined(round) : postOnDeleteCompletion(round);
        // THEN the new instance's state is what stays, and nothing of the old one landed after it
        awaitNewInstance(round);
        assertNewAfterOld(round, mqtt.received().subList(mark, mqtt.received().size()));
      }
      LOG.info("{} remove/re-add rounds in {} ms; {} pipelined POST(s) answered 409 (handled before the DELETE)",
          ROUNDS, (System.nanoTime() - started) / 1_000_000, refusedBeforeTheDelete);

      // AND a fresh subscriber finds every retained topic of the instance holding the new one's value
      assertRetainedSeenFresh(broker, ROUNDS);
      // AND the backend repaired nothing: no clear or overwrite of its own topics needed re-asserting
      assertThat(backendRepairs()).as("backend repairs").isEmpty();

      // AND a cable pull reaches the new instance's driver
      mqtt.publish(p + "/phy/linux0/eth1/cmd", "{\"op\":\"carrier\",\"value\":false}");
      JsonObject down = mqtt.awaitLast(link(cpu(ROUNDS), NAME), r -> !r.isEmpty() && !r.json().getBoolean("carrier"),
          WITHIN).json();
      assertThat(down.getString("mac")).isEqualTo(mac(ROUNDS));
    } finally {
      http.close();
    }
  }

  /**
   * DELETE and POST sent together on two connections. A POST the node handles before the DELETE is
   * refused with 409 (the name is taken), and retried once the DELETE answered, as a client would;
   * one handled while the removal is under way waits for it. Returns 1 when the POST was refused.
   */
  private int pipelined(int round) throws Exception {
    Future<HttpResponse<Buffer>> deleted = delete();
    Future<HttpResponse<Buffer>> posted = post(instance(round));
    assertThat(status(deleted)).as("DELETE, round %d", round).isEqualTo(204);
    int first = status(posted);
    if (first == 201) {
      return 0;
    }
    assertThat(first).as("POST, round %d: %s", round, posted.result().bodyAsString()).isEqualTo(409);
    assertThat(posted.result().bodyAsJsonObject().getString("error")).contains("already exists");
    assertThat(status(post(instance(round)))).as("POST retried, round %d", round).isEqualTo(201);
    return 1;
  }

  /** POST sent from the DELETE's completion (no round trip through the test thread). */
  private int postOnDeleteCompletion(int round) throws Exception {
    int[] deleted = new int[1];
    Future<HttpResponse<Buffer>> posted = delete().compose(d -> {
      deleted[0] = d.statusCode();
      return post(instance(round));
    });
    assertThat(status(posted)).as("POST, round %d", round).isEqualTo(201);
    assertThat(deleted[0]).as("DELETE, round %d", round).isEqualTo(204);
    return 0;
  }

  private Future<HttpResponse<Buffer>> post(JsonObject body) {
    return http.post(stack.httpPort(), "127.0.0.1", "/api/instances").sendJsonObject(body);
  }

  private Future<HttpResponse<Buffer>> delete() {
    return http.delete(stack.httpPort(), "127.0.0.1", "/api/instances/" + NAME).send();
  }

  private static int status(Future<HttpResponse<Buffer>> f) throws Exception {
    return f.await(HTTP.toSeconds(), TimeUnit.SECONDS).statusCode();
  }

  /** Awaits the new instance of {@code round} everywhere: retained topics, frontend view, API snapshot. */
  private void awaitNewInstance(int round) {
    int cpu = cpu(round);
    String mac = mac(round);
    mqtt.awaitLast(device(), r -> isDevice(r, round), WITHIN);
    // settled: link up, and the ANNOUNCE of the way up acknowledged (the backend's last write of the round)
    mqtt.awaitLast(config(), r -> hasMac(r, mac) && settled(VirtioNetConfig.decodeWire(r.payload()).config()), WITHIN);
    mqtt.awaitLast(ref(), r -> !r.isEmpty() && NAME.equals(r.json().getString("holder")), WITHIN);
    mqtt.awaitLast(link(cpu, NAME), r -> !r.isEmpty() && r.json().getBoolean("carrier")
        && mac.equals(r.json().getString("mac")), WITHIN);
    if (round > 0 && cpu(round - 1) != cpu) {
      mqtt.awaitLast(link(cpu(round - 1), NAME), TestMqtt.Received::isEmpty, WITHIN); // the driver moved away
    }
    JsonObject snap = await("snapshot of round " + round).atMost(WITHIN).pollInterval(Duration.ofMillis(20))
        .until(this::snapshot, s -> s != null && s.getBoolean("driverLive") && mac.equals(s.getString("mac")));
    assertThat(snap.getInteger("cpu")).isEqualTo(cpu);
    assertThat(snap.getBoolean("bound")).isTrue();
    assertThat(snap.getJsonObject("counters").getLong("holds")).as("the new instance held eth1 once").isEqualTo(1);
    assertThat(snap.getJsonObject("counters").getLong("puts")).isZero();
  }

  private JsonObject snapshot() throws Exception {
    HttpResponse<Buffer> r = http.get(stack.httpPort(), "127.0.0.1", "/api/instances/" + NAME).send()
        .await(HTTP.toSeconds(), TimeUnit.SECONDS);
    return r.statusCode() == 200 ? r.bodyAsJsonObject() : null;
  }

  /**
   * On each of the instance's own topics the round's messages are: the old instance's one clear, then
   * only the new instance's values. A clear after a new value is the old instance's publish landing
   * late (and whatever re-asserted the new value after it hid that from the final state).
   */
  private void assertNewAfterOld(int round, List<TestMqtt.Received> seen) {
    assertClearThenOnly(round, seen, device(), r -> isDevice(r, round));
    assertClearThenOnly(round, seen, config(), r -> hasMac(r, mac(round)));
    assertClearThenOnly(round, seen, ref(), r -> !r.isEmpty());
    // the frontend's view: once it shows the new MAC, never the old one or none again
    List<TestMqtt.Received> views = on(seen, link(cpu(round), NAME));
    int firstNew = indexOf(views, r -> !r.isEmpty() && mac(round).equals(r.json().getString("mac")));
    assertThat(firstNew).as("round %d: a view of the new MAC", round).isNotNegative();
    assertThat(views.subList(firstNew, views.size()))
        .as("round %d: views of %s after the new one: %s", round, NAME, describe(views))
        .allMatch(r -> !r.isEmpty() && mac(round).equals(r.json().getString("mac")));
  }

  private static void assertClearThenOnly(int round, List<TestMqtt.Received> seen, String topic,
      Predicate<TestMqtt.Received> isNew) {
    List<TestMqtt.Received> on = on(seen, topic);
    assertThat(on).as("round %d, %s: %s", round, topic, describe(on)).isNotEmpty();
    assertThat(on.get(0).isEmpty()).as("round %d, %s starts with the old clear: %s", round, topic, describe(on))
        .isTrue();
    assertThat(on.subList(1, on.size())).as("round %d, %s after the clear: %s", round, topic, describe(on))
        .isNotEmpty().allMatch(isNew);
  }

  /** A fresh subscriber's retained messages, up to a marker published after it subscribed. */
  private void assertRetainedSeenFresh(EmbeddedBroker broker, int round) {
    TestMqtt fresh = TestMqtt.connect(broker.uri()).subscribe(p + "/#");
    try {
      String marker = p + "/test/marker";
      fresh.publish(marker, "fresh");
      fresh.awaitAny(marker, r -> true, WITHIN);
      Map<String, TestMqtt.Received> retained = new TreeMap<>();
      for (TestMqtt.Received r : fresh.received()) {
        if (r.retained() && (r.topic().contains("/" + NAME + "/") || r.topic().endsWith("/" + NAME))) {
          retained.put(r.topic(), r);
        }
      }
      assertThat(retained.keySet()).as("retained topics of %s", NAME)
          .containsExactlyInAnyOrder(device(), config(), ref(), link(cpu(round), NAME));
      assertThat(isDevice(retained.get(device()), round)).as("retained device").isTrue();
      assertThat(hasMac(retained.get(config()), mac(round))).as("retained config").isTrue();
      assertThat(retained.get(ref()).json().getString("holder")).isEqualTo(NAME);
      JsonObject view = retained.get(link(cpu(round), NAME)).json();
      assertThat(view.getString("mac")).isEqualTo(mac(round));
      assertThat(view.getBoolean("carrier")).isTrue();
    } finally {
      fresh.close();
    }
  }

  /** The backend's repairs so far, by kind (none expected). */
  private Map<String, Double> backendRepairs() {
    Map<String, Double> out = new TreeMap<>();
    for (Counter c : stack.registry().find("vnet_repairs").tag("service", BackendNodeVerticle.SERVICE).counters()) {
      if (c.count() > 0) {
        out.put(c.getId().getTag("kind"), c.count());
      }
    }
    return out;
  }

  private static boolean isDevice(TestMqtt.Received r, int round) {
    if (r == null || r.isEmpty()) {
      return false;
    }
    JsonObject d = r.json();
    return NAME.equals(d.getString("instance")) && d.getInteger("cpu") == cpu(round) && d.getInteger("irq") == IRQ
        && "eth1".equals(d.getString("phy"));
  }

  private static boolean settled(VirtioNetConfig c) {
    return c.linkUp() && !c.announce();
  }

  private static boolean hasMac(TestMqtt.Received r, String mac) {
    return r != null && !r.isEmpty() && VirtioNetConfig.decodeWire(r.payload()).config().macString().equals(mac);
  }

  private static List<TestMqtt.Received> on(List<TestMqtt.Received> seen, String topic) {
    return seen.stream().filter(r -> r.topic().equals(topic)).toList();
  }

  private static int indexOf(List<TestMqtt.Received> list, Predicate<TestMqtt.Received> p) {
    for (int i = 0; i < list.size(); i++) {
      if (p.test(list.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> describe(List<TestMqtt.Received> list) {
    List<String> out = new ArrayList<>();
    for (TestMqtt.Received r : list) {
      out.add(r.isEmpty() ? "<clear>" : r.topic().endsWith("/config")
          ? VirtioNetConfig.decodeWire(r.payload()).config().macString() : r.text());
    }
    return out;
  }
}
