package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RegState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BrokerViewTest {
  private final Instant t0 = Instant.parse("2026-12-04T19:00:00Z");
  private final List<String> events = new ArrayList<>();
  private final Timeline timeline = new Timeline(() -> t0, (i, e) -> { });
  private final BrokerView view = new BrokerView((type, data) -> events.add(type + " " + data.get().encode()), timeline,
      (agent, phy) -> agent.equals("linux0") && phy.equals("eth0") ? List.of("vn0", "vn2") : List.of());

  private static NetdevState eth0(long seq, boolean admin, boolean carrier) {
    Set<IfFlag> flags = admin ? EnumSet.of(IfFlag.UP) : EnumSet.noneOf(IfFlag.class);
    return new NetdevState("linux0", "eth0", 2, flags, carrier ? OperState.UP : OperState.DOWN, carrier, 1500,
        "52:54:00:12:34:56", 1000, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.EPOCH, seq);
  }

  private static LinkView view(boolean carrier, long announces, Instant ts, Instant phyTs) {
    return new LinkView(carrier, carrier ? 1 : 0, 7, 1500, 1000, Duplex.FULL, announces, "02:00:00:00:00:01", "virtio",
        ts, phyTs);
  }

  @Test
  void phyStatesAreKeptBySeq_andCableAndAdminEdgesGoOnTheWatchersTimelines() {
    view.phyState("linux0", "eth0", eth0(5, true, true));
    view.phyState("linux0", "eth0", eth0(4, true, false)); // older: skipped
    assertThat(view.physJson().getJsonObject(0).getBoolean("carrier")).isTrue();
    assertThat(timeline.entries("vn0")).isEmpty();

    view.phyState("linux0", "eth0", eth0(6, true, false));
    view.phyState("linux0", "eth0", eth0(7, false, false));
    assertThat(timeline.entries("vn0")).extracting(Timeline.Entry::what)
        .containsExactly("eth0 admin down", "eth0 cable pulled");
    assertThat(timeline.entries("vn2")).hasSize(2);

    view.phyState("linux0", "eth0", null);
    assertThat(view.physJson()).isEmpty();
    assertThat(events).last().asString().contains("\"removed\":true");
  }

  @Test
  void linkViewCarrierChangeIsNotedWithItsLatency() {
    view.link(2, "vn0", view(true, 0, t0, t0));
    view.link(2, "vn0", view(false, 0, t0.plusMillis(3), t0.plusMillis(1)));
    view.link(2, "vn0", view(false, 1, t0.plusMillis(5), t0.plusMillis(4)));
    List<Timeline.Entry> tl = timeline.entries("vn0");
    assertThat(tl).extracting(Timeline.Entry::what).containsExactly("driver announced (#1)", "driver: carrier down");
    assertThat(tl.get(1).latencyMs()).isEqualTo(2.0);
    assertThat(view.frontendsJson().getJsonObject(0).getJsonObject("view").getBoolean("carrier")).isFalse();
    view.link(2, "vn0", null);
    assertThat(view.frontendsJson()).isEmpty();
  }

  @Test
  void agentStatusesAreKept_andAClearForgetsThem() {
    view.agentStatus("linux0", true);
    view.agentStatus("linux1", false);
    assertThat(view.agents()).containsEntry("linux0", true).containsEntry("linux1", false);
    view.agentStatus("linux1", null);
    assertThat(view.agents()).containsOnlyKeys("linux0");
    assertThat(new JsonObject().put("n", events.size()).getInteger("n")).isZero();
  }
}
