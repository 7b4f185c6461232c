package io.virtnet.launcher;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtnet.agent.PhyAgentVerticle;
import io.virtnet.agent.PhySource;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
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
  static Stack deploy(Vertx vertx, EmbeddedBroker broker, StackOptions options) throws Exception {
    return deploy(vertx, broker, options, PhyAgentVerticle::defaultSource);
  }

  static Stack deploy(Vertx vertx, EmbeddedBroker broker, StackOptions options, PhySource.Factory phySource)
      throws Exception {
    return Stack.deploy(vertx, options, id -> MqttSessionOptions.forBroker(broker.uri(), id), phySource)
        .await(60, TimeUnit.SECONDS);
  }
}
