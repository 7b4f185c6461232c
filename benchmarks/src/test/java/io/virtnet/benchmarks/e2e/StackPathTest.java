package io.virtnet.benchmarks.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StackPathTest {
  private final BenchScenario scenario = BenchScenario.standard("b", Duration.ofSeconds(1), Duration.ofSeconds(1), 1);
  private final Topics topics = Topics.of("vnet");
  private final StackPath path = new StackPath(scenario, topics, null, null);

  private InjectorClient.Message view(int instance, boolean carrier, long generation, boolean retained) {
    LinkView v = new LinkView(carrier, carrier ? 1 : 0, generation, 1500, 1000, Duplex.FULL, 0, "52:54:00:00:00:01",
        "virtio", Instant.now(), null);
    String topic = topics.rtosLink(scenario.cpuOf(instance), BenchScenario.instanceName(instance));
    return new InjectorClient.Message(topic, Codecs.LINK_VIEW.encode(v), retained, System.nanoTime());
  }

  @Test
  void aRetainedViewArrivingAfterALiveOneIsStaleAndDoesNotCount() {
    path.onLink(view(0, true, 2, false));
    path.onLink(view(0, false, 1, true)); // HiveMQ read its store at SUBSCRIBE, before the live view
    assertThat(path.upCount()).isEqualTo(1);
  }

  @Test
  void retainedViewsCountUntilTheFirstLiveOne() {
    path.onLink(view(1, false, 1, true));
    assertThat(path.upCount()).isZero();
    path.onLink(view(1, true, 2, false));
    path.onLink(view(2, true, 1, true));
    assertThat(path.upCount()).isEqualTo(2);
    path.onLink(view(1, false, 3, false));
    assertThat(path.upCount()).as("a live change still counts").isEqualTo(1);
  }

  @Test
  void aRoundIsPreparedByTurningOnOnlyThePhysWithAnInstanceDown() {
    for (int i = 0; i < scenario.instances(); i++) {
      path.onLink(view(i, i != 3, 1, false));
    }
    boolean[] down = path.downPhys(false);
    for (int p = 0; p < scenario.phys(); p++) {
      assertThat(down[p]).as("PHY %d", p).isEqualTo(p == scenario.phyOf(3));
    }
    assertThat(path.downPhys(true)).as("before the first views: every PHY").containsOnly(true);
  }
}
