package io.virtnet.backend.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
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
import io.virtnet.protocol.DeviceMac;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.IfFlag;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP API of docs/contract.md §7 against a real node on the shared broker. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BackendApiTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  /** A node with one instance on a PHY that is up, and an HTTP client for it. */
  private static final class Api implements AutoCloseable {
    final String prefix = TestMqtt.uniquePrefix();
    final Topics topics = Topics.of(prefix);
    final TestMqtt mqtt;
    final BackendNodeVerticle node;
    final WebClient web;
    final Vertx vertx;

    Api(Vertx vertx, EmbeddedBroker broker) throws Exception {
      this.vertx = vertx;
      mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
      mqtt.publish(topics.phyStatus("linux0"), Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, Instant.now())), true);
      NetdevState eth0 = new NetdevState("linux0", "eth0", 2,
          EnumSet.of(IfFlag.UP, IfFlag.RUNNING, IfFlag.LOWER_UP), OperState.UP, true, 1500,
          "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.now(), 1);
      mqtt.publish(topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(eth0), true);
      BackendConfig cfg = new BackendConfig("b" + prefix, "127.0.0.1", 0, AgentLossPolicy.DOWN,
          List.of(instance("vn0", 2, 42)));
      node = new BackendNodeVerticle(cfg, new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "x"),
          MetricsRegistry.create());
      vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
      web = WebClient.create(vertx);
    }

    static InstanceConfig instance(String name, int cpu, int irq) {
      return new InstanceConfig(name, "eth0", "linux0", cpu, irq, null, InstanceConfig.DEFAULT_FEATURES, true,
          LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(0), null);
    }

    HttpResponse<Buffer> send(HttpMethod method, String path, String body) throws Exception {
      var req = web.request(method, node.httpPort(), "127.0.0.1", path);
      return (body == null ? req.send() : req.sendBuffer(Buffer.buffer(body))).await(10, TimeUnit.SECONDS);
    }

    HttpResponse<Buffer> get(String path) throws Exception {
      return send(HttpMethod.GET, path, null);
    }

    @Override
    public void close() {
      web.close();
      mqtt.close();
    }
  }

  private static void assertError(HttpResponse<Buffer> r, int status, String contains) {
    assertThat(r.statusCode()).isEqualTo(status);
    assertThat(r.getHeader("Content-Type")).startsWith("application/json");
    assertThat(r.bodyAsJsonObject().getString("error")).contains(contains);
  }

  @Test
  void listsAndGetsInstances(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      assertThat(api.node.httpPort()).isPositive();
      HttpResponse<Buffer> list = api.get("/api/instances");
      assertThat(list.statusCode()).isEqualTo(200);
      JsonArray a = list.bodyAsJsonArray();
      assertThat(a).hasSize(1);
      assertThat(a.getJsonObject(0).getString("name")).isEqualTo("vn0");

      await().atMost(WITHIN).until(() -> api.get("/api/instances/vn0").bodyAsJsonObject().getBoolean("linkUp"));
      JsonObject one = api.get("/api/instances/vn0").bodyAsJsonObject();
      assertThat(one.getBoolean("bound")).isTrue();
      assertThat(one.getInteger("cpu")).isEqualTo(2);
      assertThat(one.getString("mac")).isEqualTo(DeviceMac.derive("b" + api.prefix, "vn0"));
      assertThat(one.getJsonObject("counters").getLong("configWrites")).isPositive();

      assertError(api.get("/api/instances/nope"), 404, "nope");
      assertError(api.get("/api/instances/Bad%20Name"), 400, "invalid instance name");
      assertError(api.get("/api/nothing-here"), 404, "no such resource");
      assertError(api.send(HttpMethod.PATCH, "/api/instances", "{}"), 404, "");
    }
  }

  @Test
  void hotPlugAndRemove(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      String body = Api.instance("vn1", 3, 43).toJson().encode();
      HttpResponse<Buffer> created = api.send(HttpMethod.POST, "/api/instances", body);
      assertThat(created.statusCode()).isEqualTo(201);
      assertThat(created.bodyAsJsonObject().getString("name")).isEqualTo("vn1");
      api.mqtt.awaitLast(api.topics.virtioDevice("vn1"), r -> !r.isEmpty(), WITHIN);
      assertThat(api.get("/api/instances").bodyAsJsonArray()).hasSize(2);

      assertError(api.send(HttpMethod.POST, "/api/instances", body), 409, "already exists");
      assertError(api.send(HttpMethod.POST, "/api/instances",
          Api.instance("vn2", 3, 43).toJson().encode()), 409, "already used by 'vn1'");
      assertError(api.send(HttpMethod.POST, "/api/instances",
          Api.instance("vn2", 3, 44).toJson().put("cpu", 9999).encode()), 400, "cpu: must be 0..4095");
      assertError(api.send(HttpMethod.POST, "/api/instances",
          Api.instance("vn2", 3, 44).toJson().put("colour", "red").encode()), 400, "colour: unknown setting");
      assertError(api.send(HttpMethod.POST, "/api/instances",
          Api.instance("vn2", 3, 44).toJson().put("phy", "eth/0").encode()), 400, "phy:");
      assertError(api.send(HttpMethod.POST, "/api/instances", "{\"name\":"), 400, "JSON object");
      assertError(api.send(HttpMethod.POST, "/api/instances", "[1,2]"), 400, "JSON object");
      assertError(api.send(HttpMethod.POST, "/api/instances", null), 400, "JSON object");
      assertError(api.send(HttpMethod.POST, "/api/instances", "{\"pad\":\"" + "x".repeat(20_000) + "\"}"), 413, "");

      HttpResponse<Buffer> removed = api.send(HttpMethod.DELETE, "/api/instances/vn1", null);
      assertThat(removed.statusCode()).isEqualTo(204);
      api.mqtt.awaitLast(api.topics.virtioDevice("vn1"), TestMqtt.Received::isEmpty, WITHIN);
      api.mqtt.awaitLast(api.topics.virtioConfig("vn1"), TestMqtt.Received::isEmpty, WITHIN);
      assertError(api.send(HttpMethod.DELETE, "/api/instances/vn1", null), 404, "vn1");
      assertError(api.get("/api/instances/vn1"), 404, "vn1");
      assertThat(api.get("/api/instances").bodyAsJsonArray()).hasSize(1);
    }
  }

  @Test
  void carrierNotifySwitch(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      HttpResponse<Buffer> off = api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{\"enabled\":false}");
      assertThat(off.statusCode()).isEqualTo(200);
      assertThat(off.bodyAsJsonObject().getBoolean("carrierNotify")).isFalse();
      assertThat(off.bodyAsJsonObject().getBoolean("bound")).isFalse();
      assertError(api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{\"enabled\":\"no\"}"), 400, "enabled");
      assertError(api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{}"), 400, "enabled");
      assertError(api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{\"enabled\":true,\"x\":1}"), 400, "enabled");
      assertError(api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "nope"), 400, "JSON object");
      assertError(api.send(HttpMethod.PUT, "/api/instances/vn9/carrier-notify", "{\"enabled\":true}"), 404, "vn9");
      HttpResponse<Buffer> on = api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{\"enabled\":true}");
      assertThat(on.bodyAsJsonObject().getBoolean("carrierNotify")).isTrue();
      assertThat(on.bodyAsJsonObject().getBoolean("bound")).isTrue();
    }
  }

  @Test
  void announceRoute_409WithoutANegotiatedGuestAnnounce_200OnceTheDriverHasIt(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    try (Api api = new Api(vertx, broker)) {
      assertError(api.send(HttpMethod.POST, "/api/instances/vn0/announce", null), 409, "no driver is live");
      assertError(api.send(HttpMethod.POST, "/api/instances/vn9/announce", null), 404, "vn9");
      api.mqtt.publish(api.topics.virtioCtrl("vn0"),
          "{\"driverFeatures\":[\"STATUS\",\"CTRL_VQ\",\"GUEST_ANNOUNCE\"]}".getBytes(), false);
      await().atMost(WITHIN).until(() -> api.get("/api/instances/vn0").bodyAsJsonObject().getBoolean("driverLive"));
      HttpResponse<Buffer> ok = api.send(HttpMethod.POST, "/api/instances/vn0/announce", null);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.bodyAsJsonObject().getBoolean("announce")).isTrue();
      assertThat(ok.bodyAsJsonObject().getJsonObject("counters").getLong("announces")).isEqualTo(1);
    }
  }

  @Test
  void physFrontendsHealthMetricsAndTheDashboard(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      await().atMost(WITHIN).until(() -> api.get("/api/phys").bodyAsJsonArray().size() == 1);
      JsonObject phy = api.get("/api/phys").bodyAsJsonArray().getJsonObject(0);
      assertThat(phy.getString("ifname")).isEqualTo("eth0");
      assertThat(phy.getBoolean("linkUp")).isTrue();

      LinkView view = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 0, "52:54:00:12:34:56", "virtio",
          Instant.now(), null);
      api.mqtt.publish(api.topics.rtosLink(2, "vn0"), Codecs.LINK_VIEW.encode(view), true);
      await().atMost(WITHIN).until(() -> api.get("/api/frontends").bodyAsJsonArray().size() == 1);
      JsonObject fe = api.get("/api/frontends").bodyAsJsonArray().getJsonObject(0);
      assertThat(fe.getString("instance")).isEqualTo("vn0");
      assertThat(fe.getJsonObject("view").getLong("generation")).isEqualTo(7);

      await().atMost(WITHIN).until(() -> api.get("/health").bodyAsJsonObject().getInteger("instancesBound") == 1);
      HttpResponse<Buffer> health = api.get("/health");
      assertThat(health.statusCode()).isEqualTo(200);
      JsonObject h = health.bodyAsJsonObject();
      assertThat(h.getString("status")).isEqualTo("UP");
      assertThat(h.getBoolean("broker")).isTrue();
      assertThat(h.getJsonObject("agents").getString("linux0")).isEqualTo("online");

      HttpResponse<Buffer> metrics = api.get("/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.getHeader("Content-Type")).startsWith("text/plain");
      assertThat(metrics.bodyAsString()).contains("vnet_backend_config_writes_total{instance=\"vn0\"}");

      HttpResponse<Buffer> page = api.get("/");
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.bodyAsString()).contains("virtnet-backend");
    }
  }

  @Test
  void serverSentEventsReportInstancePhyAndLinkChanges(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      HttpClient http = vertx.createHttpClient();
      StringBuffer stream = new StringBuffer();
      // the body handler is set on the event loop as the response arrives, so no chunk is missed
      HttpClientResponse resp = http.request(HttpMethod.GET, api.node.httpPort(), "127.0.0.1", "/api/events")
          .compose(req -> req.send())
          .map(r -> r.handler(b -> stream.append(b.toString())))
          .await(10, TimeUnit.SECONDS);
      assertThat(resp.statusCode()).isEqualTo(200);
      assertThat(resp.getHeader("Content-Type")).isEqualTo("text/event-stream");
      await().atMost(WITHIN).until(() -> stream.toString().contains(": virtnet-backend events"));

      api.send(HttpMethod.PUT, "/api/instances/vn0/carrier-notify", "{\"enabled\":false}");
      NetdevState down = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP), OperState.LOWERLAYERDOWN,
          false, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 1, RegState.REGISTERED, Instant.now(), 2);
      api.mqtt.publish(api.topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(down), true);
      LinkView view = new LinkView(false, 0, 8, 1500, 1000, Duplex.FULL, 0, "", "virtio", Instant.now(), null);
      api.mqtt.publish(api.topics.rtosLink(2, "vn0"), Codecs.LINK_VIEW.encode(view), true);

      await().atMost(WITHIN).until(() -> stream.toString().contains("event: instance\ndata: {\"name\":\"vn0\""));
      await().atMost(WITHIN).until(() -> stream.toString().contains("event: phy\ndata: {"));
      await().atMost(WITHIN).until(() -> stream.toString().contains("event: link\ndata: {\"cpu\":2,\"instance\":\"vn0\""));
      http.close();
    }
  }

  @Test
  void timelineServesTheLastChangesToAPageOpenedLater(Vertx vertx, EmbeddedBroker broker) throws Exception {
    try (Api api = new Api(vertx, broker)) {
      await().atMost(WITHIN).until(() -> api.get("/api/instances/vn0").bodyAsJsonObject().getBoolean("linkUp"));
      // GIVEN a cable pull while no page is open
      NetdevState down = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP), OperState.LOWERLAYERDOWN,
          false, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 1, RegState.REGISTERED, Instant.now(), 2);
      api.mqtt.publish(api.topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(down), true);
      await().atMost(WITHIN).until(() -> !api.get("/api/instances/vn0").bodyAsJsonObject().getBoolean("linkUp"));

      // WHEN the page loads THEN the timeline has the pull and the status write, newest first
      HttpResponse<Buffer> r = api.get("/api/timeline");
      assertThat(r.statusCode()).isEqualTo(200);
      JsonArray vn0 = r.bodyAsJsonObject().getJsonArray("vn0");
      List<String> what = vn0.stream().map(e -> ((JsonObject) e).getString("what")).toList();
      assertThat(what).contains("eth0 cable pulled", "LINK_UP cleared", "holds eth0", "probed");
      assertThat(what.indexOf("LINK_UP cleared")).isLessThan(what.indexOf("holds eth0"));
      assertThat(vn0.getJsonObject(0).getLong("seq")).isGreaterThan(vn0.getJsonObject(1).getLong("seq"));
      assertThat(vn0.getJsonObject(0).getString("ts")).isNotBlank();
    }
  }

  @Test
  void healthIs503WhenTheBrokerIsGone(Vertx vertx) throws Exception {
    EmbeddedBroker own = EmbeddedBroker.start(0);
    try (Api api = new Api(vertx, own)) {
      assertThat(api.get("/health").statusCode()).isEqualTo(200);
      own.close();
      await().atMost(WITHIN).until(() -> api.get("/health").statusCode() == 503);
      JsonObject h = api.get("/health").bodyAsJsonObject();
      assertThat(h.getString("status")).isEqualTo("DOWN");
      assertThat(h.getBoolean("broker")).isFalse();
    } finally {
      own.close();
    }
  }
}
