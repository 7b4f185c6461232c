package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimelineTest {
  private Instant now = Instant.parse("2026-12-04T19:00:00Z");
  private final List<String> told = new ArrayList<>();
  private final Timeline timeline = new Timeline(() -> now, (instance, e) -> told.add(instance + ":" + e.what()));

  @Test
  void keepsTheLastEntriesPerInstance_newestFirst() {
    for (int i = 0; i < Timeline.PER_INSTANCE + 5; i++) {
      now = now.plusSeconds(1);
      timeline.record("vn0", "change " + i, i % 2 == 0 ? "up" : "down");
    }
    timeline.record("vn1", "probed", "up");
    List<Timeline.Entry> vn0 = timeline.entries("vn0");
    assertThat(vn0).hasSize(Timeline.PER_INSTANCE);
    assertThat(vn0.get(0).what()).isEqualTo("change " + (Timeline.PER_INSTANCE + 4));
    assertThat(vn0.get(vn0.size() - 1).what()).isEqualTo("change 5");
    assertThat(vn0.get(0).ts()).isEqualTo(Instant.parse("2026-12-04T19:00:25Z"));
    assertThat(timeline.entries("vn1")).extracting(Timeline.Entry::what).containsExactly("probed");
    assertThat(told).hasSize(Timeline.PER_INSTANCE + 6).last().isEqualTo("vn1:probed");
  }

  @Test
  void jsonListsInstancesByName_withSeqTsAndOptionalFields() {
    timeline.record("vn1", "driver: carrier up", "up", 1.25, "CPU 2, generation 7");
    timeline.record("vn0", "carrier-notify off", null);
    JsonObject o = timeline.toJson();
    assertThat(o.fieldNames()).containsExactly("vn0", "vn1");
    JsonObject e = o.getJsonArray("vn1").getJsonObject(0);
    assertThat(e.getLong("seq")).isEqualTo(1);
    assertThat(e.getString("ts")).isEqualTo("2026-12-04T19:00:00Z");
    assertThat(e.getDouble("latencyMs")).isEqualTo(1.25);
    assertThat(e.getString("title")).isEqualTo("CPU 2, generation 7");
    JsonObject off = o.getJsonArray("vn0").getJsonObject(0);
    assertThat(off.getLong("seq")).isEqualTo(2);
    assertThat(off.containsKey("cls")).isFalse();
    assertThat(off.containsKey("latencyMs")).isFalse();
  }
}
