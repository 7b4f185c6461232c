package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The link-latency timer counts a PHY change once, when a view first reflects it, never a republish. */
class BackendMetricsTest {
  private static final Instant T0 = Instant.parse("2026-12-05T01:00:00Z");

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final BackendMetrics metrics = new BackendMetrics(registry);

  private Timer latency() {
    return registry.get(BackendMetrics.LATENCY).timer();
  }

  @Test
  void aPhyChangeAfterTheLastViewIsRecordedOnceWithItsLatency() {
    metrics.linkView("virtio-net0", T0, null); // probe-time view from the retained config
    metrics.linkView("virtio-net0", T0.plusMillis(1003), T0.plusMillis(1000));
    metrics.linkView("virtio-net0", T0.plusMillis(1500), T0.plusMillis(1000)); // ANNOUNCE ACK's view, same change

    assertThat(latency().count()).isEqualTo(1);
    assertThat(latency().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3.0);
  }

  @Test
  void aRepairNamingAChangeAnEarlierViewPostDatesIsNotAPropagation() {
    // the agent's state at start-up (T0) reached the first view through the retained config, without phyTs;
    // 40 s later garbage overwrote the config and the re-assert's IRQ names that same PHY change
    metrics.linkView("virtio-net0", T0.plusMillis(500), null);
    metrics.linkView("virtio-net0", T0.plusSeconds(40), T0);

    assertThat(latency().count()).isZero();
  }

  @Test
  void aLostIrqRepairedLaterStillCountsTheWholeWait() {
    metrics.linkView("virtio-net0", T0, null);
    metrics.linkView("virtio-net0", T0.plusMillis(2_100), T0.plusMillis(100)); // view came after resync

    assertThat(latency().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(2_000.0);
  }

  @Test
  void aRemovedInstanceForgetsItsViews() {
    metrics.linkView("virtio-net0", T0.plusSeconds(10), null);
    metrics.removed("virtio-net0");
    metrics.linkView("virtio-net0", T0.plusSeconds(12), T0.plusSeconds(5)); // re-added: its first view

    assertThat(latency().count()).isEqualTo(1);
  }
}
