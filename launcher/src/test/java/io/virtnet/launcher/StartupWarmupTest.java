package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The launcher's start-up warm-up on a real broker: it drives link changes and leaves nothing behind. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class StartupWarmupTest {
  @Test
  void drivesChangesThroughAPrivateCopy_thenClearsEveryRetainedTopicItLeft(Vertx vertx, EmbeddedBroker broker) throws Exception {
    StartupWarmup.Result r = StartupWarmup.run(vertx, broker.port(), id -> MqttSessionOptions.forBroker(broker.uri(), id),
        Duration.ofSeconds(1)).await(60, TimeUnit.SECONDS);

    assertThat(r.changes()).as("link changes driven").isGreaterThan(20);
    assertThat(r.stalls()).as("changes some view never showed").isZero();
    // every retained message the copy left is gone: a new subscriber to everything sees none of it
    try (TestMqtt all = TestMqtt.connect(broker.uri()).subscribe("#")) {
      String marker = TestMqtt.uniquePrefix() + "/marker";
      all.publish(marker, "m");
      all.awaitAny(marker, m -> true, Duration.ofSeconds(10));
      assertThat(all.received()).noneMatch(m -> m.retained() && m.topic().startsWith("warmup-"));
    }
  }

  @Test
  void theCopyIsTheDefaultStackOnItsPrefix_withLinkwatchOffAndAFreeHttpPort() {
    JsonObject c = StartupWarmup.config("warmup-1");

    assertThat(c.getJsonObject("mqtt").getString("prefix")).isEqualTo("warmup-1");
    assertThat(c.getJsonObject("backend").getJsonObject("http").getInteger("port")).isZero();
    assertThat(c.getJsonObject("backend").getJsonArray("instances")).hasSize(3)
        .allSatisfy(i -> assertThat(((JsonObject) i).getJsonObject("policy").getLong("linkwatchIntervalMs")).isZero());
    StackOptions.from(c); // a valid stack configuration
  }
}
