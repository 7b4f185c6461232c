package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.util.concurrent.TimeUnit;

/**
 * The default stack for tests that bind a VM through its HTTP API (the guest ITs): its topic prefix,
 * an observer on all its topics and an HTTP client; closing stops the stack and closes both.
 */
record ApiStack(String prefix, InProcessStack stack, TestMqtt mqtt, WebClient http) implements AutoCloseable {

  /** Deploys the default stack under a fresh prefix; does not wait for its frontends' carrier. */
  static ApiStack start(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String prefix = TestMqtt.uniquePrefix();
    InProcessStack stack = TestStacks.deploy(vertx, broker, TestStacks.defaultOptions(prefix));
    TestMqtt mqtt;
    try {
      mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
    } catch (RuntimeException e) {
      stack.stop().await(20, TimeUnit.SECONDS);
      throw e;
    }
    return new ApiStack(prefix, stack, mqtt, WebClient.create(vertx));
  }

  /** {@code POST /api/instances} with {@code instance}; asserts it was created. */
  void post(JsonObject instance) throws Exception {
    HttpResponse<?> created = http.post(stack.httpPort(), "127.0.0.1", "/api/instances").sendJsonObject(instance)
        .await(10, TimeUnit.SECONDS);
    assertThat(created.statusCode()).as("POST /api/instances: %s", created.bodyAsString()).isEqualTo(201);
  }

  /** The link-view topic of {@code instance} on {@code cpu}. */
  String link(int cpu, String instance) {
    return prefix + "/rtos/" + cpu + "/" + instance + "/link";
  }

  /** Plugs or pulls the sim cable of the default stack's {@code linux0/eth0}. */
  void cable(boolean plugged) {
    mqtt.publish(prefix + "/phy/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":" + plugged + "}");
  }

  /** The carrier in {@code linux0/eth0}'s last retained state. */
  boolean phyCarrier() {
    return mqtt.last(prefix + "/phy/linux0/eth0/state").orElseThrow().json().getBoolean("carrier");
  }

  @Override
  public void close() throws Exception {
    try {
      stack.stop().await(20, TimeUnit.SECONDS);
    } finally {
      http.close();
      mqtt.close();
    }
  }
}
