package io.virtnet.backend.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
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
import io.virtnet.protocol.LinkView;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The routes the dashboard needs beyond docs/contract.md §7: sim commands, metrics, health details. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class DashboardRoutesTest {
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private final String prefix = TestMqtt.uniquePrefix();
  private final Topics topics = Topics.of(prefix);
  private TestMqtt mqtt;
  private BackendNodeVerticle node;
  private WebClient web;

  @BeforeEach
  void startNode(Vertx vertx, EmbeddedBroker broker) throws Exception {
    mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
    mqtt.publish(topics.phyStatus("linux0"), Codecs.SERVICE_STATUS.encode(new ServiceStatus(true, Instant.now())), true);
    NetdevState eth0 = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP, IfFlag.RUNNING, IfFlag.LOWER_UP),
        OperState.UP, true, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.now(), 1);
    mqtt.publish(topics.phyState("linux0", "eth0"), Codecs.NETDEV_STATE.encode(eth0), true);
    InstanceConfig vn0 = new InstanceConfig("vn0", "eth0", "linux0", 2, 42, null, InstanceConfig.DEFAULT_FEATURES, true,
        LinkPolicyConfig.DEFAULTS.withLinkwatchIntervalMs(0), null);
    node = new BackendNodeVerticle(new BackendConfig("b" + prefix, "127.0.0.1", 0, AgentLossPolicy.DOWN, List.of(vn0)),
        new MqttConfig(prefix), MqttSessionOptions.forBroker(broker.uri(), "x"), MetricsRegistry.create());
    vertx.deployVerticle(node).await(20, TimeUnit.SECONDS);
    web = WebClient.create(vertx);
  }

  @AfterEach
  void close() {
    web.close();
    mqtt.close();
  }

  private HttpResponse<Buffer> post(String path, String body) throws Exception {
    return web.post(node.httpPort(), "127.0.0.1", path).sendBuffer(Buffer.buffer(body)).await(10, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return web.get(node.httpPort(), "127.0.0.1", path).send().await(10, TimeUnit.SECONDS);
  }

  @Test
  void phyCommand_isPublishedOnTheCmdTopic_andBadCommandsAre400() throws Exception {
    HttpResponse<Buffer> accepted = post("/api/phys/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":false}");
    assertThat(accepted.statusCode()).isEqualTo(202);
    mqtt.awaitAny(topics.phyCmd("linux0", "eth0"), r -> r.json().getString("op").equals("carrier")
        && !r.json().getBoolean("value"), WITHIN);

    for (String bad : new String[] {"{\"op\":\"carrier\",\"value\":3}", "{\"op\":\"explode\"}", "not json", ""}) {
      HttpResponse<Buffer> r = post("/api/phys/linux0/eth0/cmd", bad);
      assertThat(r.statusCode()).as(bad).isEqualTo(400);
      assertThat(r.bodyAsJsonObject().getString("error")).as(bad).isNotBlank();
    }
    assertThat(post("/api/phys/linux0/this-name-is-far-too-long/cmd", "{\"op\":\"register\"}").statusCode())
        .isEqualTo(400);
  }

  @Test
  void metrics_exposeLatencyHoldsAndReconnects() throws Exception {
    await().atMost(WITHIN).until(() -> get("/health").bodyAsJsonObject().getInteger("instancesBound") == 1);
    Instant phyTs = Instant.now().minusMillis(20);
    LinkView view = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 0, "52:54:00:12:34:56", "virtio",
        phyTs.plusMillis(20), phyTs);
    mqtt.publish(topics.rtosLink(2, "vn0"), Codecs.LINK_VIEW.encode(view), true);

    await().atMost(WITHIN).until(() -> get("/metrics").bodyAsString().contains("vnet_link_latency_seconds_count 1"));
    String metrics = get("/metrics").bodyAsString();
    assertThat(metrics).contains("vnet_link_latency_seconds_bucket{le=");
    assertThat(metrics).contains("vnet_backend_holds_held 1.0");
    assertThat(metrics).contains("vnet_mqtt_reconnects_total{service=\"virtnet-backend\"} 0.0");
  }

  @Test
  void health_isDownWhileAnInstanceWithCarrierNotifyHoldsNoPhy() throws Exception {
    await().atMost(WITHIN).until(() -> get("/health").statusCode() == 200);
    // GIVEN the PHY disappears (no device of that name)
    mqtt.publish(topics.phyState("linux0", "eth0"), new byte[0], true);
    await().atMost(WITHIN).until(() -> get("/health").statusCode() == 503);
    assertThat(get("/health").bodyAsJsonObject().getJsonArray("instancesUnbound").getList()).containsExactly("vn0");

    // carrier-notify off releases the hold on purpose: healthy again
    web.put(node.httpPort(), "127.0.0.1", "/api/instances/vn0/carrier-notify")
        .sendBuffer(Buffer.buffer("{\"enabled\":false}")).await(10, TimeUnit.SECONDS);
    await().atMost(WITHIN).until(() -> get("/health").statusCode() == 200);

    // an agent gone offline is unhealthy
    mqtt.publish(topics.phyStatus("linux0"), Codecs.SERVICE_STATUS.encode(new ServiceStatus(false, Instant.now())), true);
    await().atMost(WITHIN).until(() -> get("/health").statusCode() == 503);
    assertThat(get("/health").bodyAsJsonObject().getJsonArray("agentsOffline").getList()).containsExactly("linux0");
  }
}
