package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.Timeout;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The default stack (agent, backend, frontends) in one Vert.x against a real broker, end to end. */
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class StackEndToEndTest extends DefaultStackTest {
  private static final Duration TWO_SECONDS = Duration.ofSeconds(2);

  private void cmd(String ifname, String json) {
    mqtt.publish(p + "/phy/linux0/" + ifname + "/cmd", json);
  }

  @Test
  void cablePull_turnsBothFrontendsOfEth0Down_andPlugBringsThemBackWithOneAnnounce() {
    long announcesBefore = mqtt.last(link(2, "virtio-net0")).orElseThrow().json().getLong("announces");

    cmd("eth0", "{\"op\":\"carrier\",\"value\":false}");
    mqtt.awaitJson(link(2, "virtio-net0"), "carrier", false, TWO_SECONDS);
    mqtt.awaitJson(link(3, "virtio-net2"), "carrier", false, TWO_SECONDS);
    assertThat(mqtt.last(link(2, "virtio-net1")).orElseThrow().json().getBoolean("carrier"))
        .as("virtio-net1 follows eth1, which kept its cable").isTrue();

    cmd("eth0", "{\"op\":\"carrier\",\"value\":true}");
    JsonObject v0 = mqtt.awaitJson(link(2, "virtio-net0"), "carrier", true, TWO_SECONDS);
    JsonObject v2 = mqtt.awaitJson(link(3, "virtio-net2"), "carrier", true, TWO_SECONDS);
    assertThat(v0.getLong("announces")).isEqualTo(announcesBefore + 1);
    assertThat(v2.getLong("announces")).isEqualTo(announcesBefore + 1);
    // the backend clears ANNOUNCE on the frontend's ACK
    mqtt.awaitAny(p + "/virtio/virtio-net0/ctrl", r -> r.text().equals("{\"class\":3,\"cmd\":0}"), TWO_SECONDS);
  }

  @Test
  void adminDownAndUp_propagate_andAdminUpWithoutCarrierStaysDown() {
    cmd("eth1", "{\"op\":\"admin\",\"value\":false}");
    mqtt.awaitJson(link(2, "virtio-net1"), "carrier", false, TWO_SECONDS);
    cmd("eth1", "{\"op\":\"carrier\",\"value\":false}");
    cmd("eth1", "{\"op\":\"admin\",\"value\":true}");
    mqtt.awaitAny(p + "/phy/linux0/eth1/event", r -> r.json().getString("event").equals("NETDEV_UP"), TWO_SECONDS);
    assertThat(mqtt.last(link(2, "virtio-net1")).orElseThrow().json().getBoolean("carrier"))
        .as("NETDEV_UP without carrier is not link up").isFalse();
    cmd("eth1", "{\"op\":\"carrier\",\"value\":true}");
    mqtt.awaitJson(link(2, "virtio-net1"), "carrier", true, TWO_SECONDS);
  }

  @Test
  void hotPlugThroughTheApi_probesAFrontend_andRemoveClearsEverything(Vertx vertx) throws Exception {
    WebClient http = WebClient.create(vertx);
    JsonObject body = new JsonObject().put("name", "virtio-net7").put("phy", "eth1").put("agent", "linux0")
        .put("cpu", 3).put("irq", 47);
    int status = http.post(stack.httpPort(), "127.0.0.1", "/api/instances").sendJsonObject(body)
        .await(10, TimeUnit.SECONDS).statusCode();
    assertThat(status).isEqualTo(201);
    mqtt.awaitJson(link(3, "virtio-net7"), "carrier", true, TWO_SECONDS);
    mqtt.awaitLast(p + "/phy/linux0/eth1/ref/virtio-net7", r -> !r.isEmpty(), TWO_SECONDS);

    int deleted = http.delete(stack.httpPort(), "127.0.0.1", "/api/instances/virtio-net7").send()
        .await(10, TimeUnit.SECONDS).statusCode();
    assertThat(deleted).isEqualTo(204);
    mqtt.awaitLast(p + "/virtio/virtio-net7/device", TestMqtt.Received::isEmpty, TWO_SECONDS);
    mqtt.awaitLast(p + "/rtos/3/virtio-net7/link", TestMqtt.Received::isEmpty, TWO_SECONDS);
    mqtt.awaitLast(p + "/phy/linux0/eth1/ref/virtio-net7", TestMqtt.Received::isEmpty, TWO_SECONDS);
    http.close();
  }

  @Test
  void unregisterAndRegister_rebindBothInstances_andTheFinalStateIsUp() {
    cmd("eth0", "{\"op\":\"unregister\"}");
    mqtt.awaitJson(link(2, "virtio-net0"), "carrier", false, TWO_SECONDS);
    mqtt.awaitLast(p + "/phy/linux0/eth0/state", TestMqtt.Received::isEmpty, Duration.ofSeconds(5));
    cmd("eth0", "{\"op\":\"register\"}");
    mqtt.awaitJson(link(2, "virtio-net0"), "carrier", true, TWO_SECONDS);
    mqtt.awaitJson(link(3, "virtio-net2"), "carrier", true, TWO_SECONDS);
  }
}
