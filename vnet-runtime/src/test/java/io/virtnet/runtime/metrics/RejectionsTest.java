package io.virtnet.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RejectionsTest {
  @Test
  void summary_countsEveryRejectionByReason_sorted() {
    Rejections r = new Rejections(new SimpleMeterRegistry(), "svc");
    assertThat(r.summary()).isEqualTo("0 total");

    for (int i = 0; i < 1234; i++) {
      r.reject("vnet/x", "malformed-json", "bad");
    }
    r.reject("vnet/y", "bad-name", "bad");

    assertThat(r.total()).isEqualTo(1235);
    assertThat(r.summary()).isEqualTo("1235 total (bad-name=1, malformed-json=1234)");
  }

  @Test
  void alsoCounting_sharesTheServiceCounters_andRunsItsOwnCount() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Rejections service = new Rejections(registry, "svc");
    java.util.concurrent.atomic.AtomicLong own = new java.util.concurrent.atomic.AtomicLong();
    Rejections instance = service.alsoCounting(own::incrementAndGet);

    instance.reject("vnet/x", "malformed-json", "bad");
    service.reject("vnet/y", "malformed-json", "bad");

    assertThat(own.get()).isEqualTo(1);
    assertThat(service.total()).isEqualTo(2);
    assertThat(service.summary()).isEqualTo("2 total (malformed-json=2)");
    assertThat(registry.get("vnet_rejected_messages").tag("reason", "malformed-json").counter().count()).isEqualTo(2.0);
  }
}
