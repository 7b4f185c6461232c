package io.virtnet.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The bench logic end to end, tiny: scenario (a) for 1 s on the embedded broker. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchSmokeTest {
  @Test
  void scenarioA_writesWellFormedResults_withNoWrongFinalState(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("results.json");

    int exit = new CommandLine(new BenchMain()).execute("--scenarios", "a", "--brokers", "hivemq", "--warmup", "1s", "--jvm-warmup", "0s",
        "--duration", "1s", "--out", out.toString());

    assertThat(exit).isZero();
    JsonArray rows = new JsonArray(Files.readString(out));
    assertThat(rows).hasSize(1);
    JsonObject r = rows.getJsonObject(0);
    assertThat(r.getString("scenario")).isEqualTo("a");
    assertThat(r.getString("broker")).isEqualTo("hivemq");
    for (String key : new String[] {"p50Ms", "p99Ms", "bareP50Ms", "bareP99Ms", "ratioP50", "ratioP99", "eventsPerSec",
        "heapBytesPerInstance", "brokerPublishesPerView", "brokerDeliveriesPerView", "bareBrokerPublishesPerView",
        "bareBrokerDeliveriesPerView"}) {
      assertThat(r.getValue(key)).as(key).isInstanceOf(Number.class);
    }
    assertThat(r.getInteger("wrongFinalStates")).isZero();
    assertThat(r.getInteger("samples")).isGreaterThan(50);
    // the bare relay's four hops: one publish and one delivery per hop and view, by HiveMQ's own count
    assertThat(r.getDouble("bareBrokerPublishesPerView")).isBetween(3.9, 4.1);
    assertThat(r.getDouble("brokerPublishesPerView")).isGreaterThan(r.getDouble("bareBrokerPublishesPerView"));
  }
}
