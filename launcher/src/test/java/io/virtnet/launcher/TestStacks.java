package io.virtnet.launcher;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtnet.agent.PhyAgentVerticle;
import io.virtnet.agent.PhySource;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The default stack for tests: its own topic prefix (tests share one broker) and a free HTTP port. */
final class TestStacks {
  private TestStacks() {}

  /** The built-in default stack under {@code prefix}, its HTTP API on a free port. */
  static StackOptions defaultOptions(String prefix) {
    JsonObject config = ConfigLoader.defaults();
    config.getJsonObject("mqtt").put("prefix", prefix);
    config.getJsonObject("backend").getJsonObject("http").put("port", 0);
    return StackOptions.from(config);
  }

  /** Deploys {@code options} against {@code broker} and waits until every service is ready. */
  static InProcessStack deploy(Vertx vertx, EmbeddedBroker broker, StackOptions options) throws Exception {
    return deploy(vertx, broker, options, PhyAgentVerticle::defaultSource);
  }

  static InProcessStack deploy(Vertx vertx, EmbeddedBroker broker, StackOptions options, PhySource.Factory phySource)
      throws Exception {
    return InProcessStack.deploy(vertx, options, id -> MqttSessionOptions.forBroker(broker.uri(), id), phySource)
        .await(60, TimeUnit.SECONDS);
  }

  /**
   * Starts the default stack under a fresh prefix with an observer on all its topics, and waits until
   * every frontend shows carrier after probe.
   */
  static Running startDefault(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String prefix = TestMqtt.uniquePrefix();
    InProcessStack stack = deploy(vertx, broker, defaultOptions(prefix));
    TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe(prefix + "/#");
    Running running = new Running(prefix, stack, mqtt);
    for (String link : new String[] {running.link(2, "virtio-net0"), running.link(2, "virtio-net1"),
        running.link(3, "virtio-net2")}) {
      mqtt.awaitJson(link, "carrier", true, Duration.ofSeconds(10));
    }
    return running;
  }

  /** A started default stack and its observer; closing stops both. */
  record Running(String prefix, InProcessStack stack, TestMqtt mqtt) implements AutoCloseable {
    /** The link-view topic of {@code instance} on {@code cpu}. */
    String link(int cpu, String instance) {
      return prefix + "/rtos/" + cpu + "/" + instance + "/link";
    }

    @Override
    public void close() throws Exception {
      try {
        stack.stop().await(20, TimeUnit.SECONDS);
      } finally {
        mqtt.close();
      }
    }
  }
}
