package io.virtnet.backend.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.backend.BackendNodeVerticle;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code GET/PUT /api/instances/{name}/policy} and the policy counters, against a real node. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PolicyApiTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);
  /** Two quick flaps suppress; the penalty would take a minute to decay. */
  private static final String DAMPENING = "{\"linkwatchIntervalMs\":0,\"holdUpMs\":0,\"holdDownMs\":0,"
      + "\"dampening\":{\"penalty\":1000,\"halfLifeMs\":60000,\"suppress\":1900,\"reuse\":1000,\"maxSuppressMs\":60000}}";

  private final String prefix = TestMqtt.uniquePrefix();
  private final Topics topics = Topics.of(prefix);
  private TestMqtt mqtt;
  private BackendNodeVerticle node;
  private WebClient web;
  private long seq = 1;

  private void start(Vertx vertx, EmbeddedBroker broker) throws Exception {
    mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
    mqtt.publish(topics.phyStatus("linux0"), Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, Instant.now())), true);
    phy(true);
    InstanceConfig vn0 = new InstanceConfig("vn0", "eth0", "linux0", 2, 42, null, InstanceConfig.DEFAULT_FEATURES,
        true, LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(0), null);
    node = new BackendNodeVerticle(new BackendConfig("b" + prefix, "127.0.0.1", 0, AgentLossPolicy.DOWN,
        List.of(vn0)), new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "x"),
        MetricsRegistry.create());
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    web = WebClient.create(vertx);
    await().atMost(WITHIN).until(() -> snapshot().getBoolean("linkUp"));
  }

  @AfterEach
  void close() {
    if (web != null) {
      web.close();
    }
    if (mqtt != null) {
      mqtt.close();
    }
  }

  private void phy(boolean carrier) {
    EnumSet<IfFlag> flags = carrier ? EnumSet.of(IfFlag.UP, IfFlag.RUNNING, IfFlag.LOWER_UP) : EnumSet.of(IfFlag.UP);
    NetdevState s = new NetdevState("linux0", "eth0", 2, flags, carrier ? OperState.UP : OperState.LOWERLAYERDOWN,
        carrier, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.now(), seq++);
    mqtt.publish(topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(s), true);
  }

  private HttpResponse<Buffer> send(HttpMethod method, String path, String body) throws Exception {
    var req = web.request(method, node.httpPort(), "127.0.0.1", path);
    return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
  }

  private JsonObject snapshot() throws Exception {
    return send(HttpMethod.GET, "/api/instances/vn0", null).bodyAsJsonObject();
  }

  @Test
  void getPolicy_returnsThePolicyInForce(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    HttpResponse<Buffer> r = send(HttpMethod.GET, "/api/instances/vn0/policy", null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject()
        .put("linkwatchIntervalMs", 0).put("holdUpMs", 0).put("holdDownMs", 0));
    assertThat(send(HttpMethod.GET, "/api/instances/nope/policy", null).statusCode()).isEqualTo(404);
  }

  @Test
  void putPolicy_appliesLive_keepsTheLinkAndShowsInTheInstance(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    long irqsBefore = snapshot().getJsonObject("counters").getLong("statusIrqs");
    HttpResponse<Buffer> r = send(HttpMethod.PUT, "/api/instances/vn0/policy",
        "{\"linkwatchIntervalMs\":500,\"holdUpMs\":100,\"holdDownMs\":200}");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.bodyAsJsonObject().getLong("holdDownMs")).isEqualTo(200);
    JsonObject snap = snapshot();
    assertThat(snap.getBoolean("linkUp")).isTrue();
    assertThat(snap.getJsonObject("config").getJsonObject("policy").getLong("holdUpMs")).isEqualTo(100);
    assertThat(snap.getJsonObject("counters").getLong("statusIrqs")).isEqualTo(irqsBefore);
    assertThat(send(HttpMethod.GET, "/api/instances/vn0/policy", null).bodyAsJsonObject().getLong("linkwatchIntervalMs"))
        .isEqualTo(500);
  }

  @Test
  void dampening_suppressesAFlappingLink_andTurningItOffReleasesItAtOnce(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    start(vertx, broker);
    assertThat(send(HttpMethod.PUT, "/api/instances/vn0/policy", DAMPENING).statusCode()).isEqualTo(200);
    // WHEN the PHY flaps twice and ends up
    phy(false);
    phy(true);
    phy(false);
    phy(true);
    // THEN the link is held down although the PHY is up
    await().atMost(WITHIN).until(() -> snapshot().getJsonObject("counters").getBoolean("suppressed"));
    JsonObject snap = snapshot();
    assertThat(snap.getBoolean("phyLinkUp")).isTrue();
    assertThat(snap.getBoolean("linkUp")).isFalse();
    assertThat(snap.getJsonObject("counters").getDouble("penalty")).isGreaterThan(1800);
    String metrics = send(HttpMethod.GET, "/metrics", null).bodyAsString();
    assertThat(metrics).containsPattern("vnet_backend_suppressed\\{instance=\"vn0\"} 1\\.0")
        .containsPattern("vnet_backend_dampening_penalty\\{instance=\"vn0\"} \\d{4}")
        .contains("vnet_backend_flaps_suppressed_total{instance=\"vn0\"}")
        .contains("vnet_backend_carrier_up_count{instance=\"vn0\"}")
        .contains("vnet_backend_carrier_down_count{instance=\"vn0\"}")
        .contains("vnet_backend_status_irqs_total{instance=\"vn0\"}")
        .contains("vnet_backend_coalesced_total{instance=\"vn0\"}")
        .contains("vnet_backend_phy_events_total{instance=\"vn0\"}");
    // WHEN dampening is turned off live THEN the current PHY state goes out at once
    assertThat(send(HttpMethod.PUT, "/api/instances/vn0/policy", "{\"linkwatchIntervalMs\":0}").statusCode())
        .isEqualTo(200);
    await().atMost(WITHIN).until(() -> snapshot().getBoolean("linkUp"));
    assertThat(snapshot().getJsonObject("counters").getBoolean("suppressed")).isFalse();
  }

  @Test
  void putPolicy_invalid_is400NamingTheField(Vertx vertx, EmbeddedBroker broker) throws Exception {
    start(vertx, broker);
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy", "{\"holdUpMs\":-1}"), 400, "holdUpMs:");
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy", "{\"holdDownMs\":\"1s\"}"), 400, "holdDownMs:");
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy", "{\"linkwatch\":1000}"), 400,
        "linkwatch: unknown setting");
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy",
        "{\"dampening\":{\"suppress\":1000,\"reuse\":1500}}"), 400, "dampening.reuse:");
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy",
        "{\"dampening\":{\"maxSuppressMs\":10}}"), 400, "dampening.maxSuppressMs:");
    assertError(send(HttpMethod.PUT, "/api/instances/vn0/policy", "not json"), 400, "JSON object");
    assertError(send(HttpMethod.PUT, "/api/instances/nope/policy", "{}"), 404, "nope");
    // nothing was applied
    assertThat(send(HttpMethod.GET, "/api/instances/vn0/policy", null).bodyAsJsonObject().getLong("holdUpMs"))
        .isZero();
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String contains) {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.bodyAsJsonObject().getString("error")).contains(contains);
  }
}
