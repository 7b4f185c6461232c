package io.virtnet.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class RepairsTest {
  @Test
  void countsPerKindUnderOneMeterWithServiceAndKindTags() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Repairs backend = new Repairs(registry, "virtnet-backend");
    Repairs agent = new Repairs(registry, "phy-agent");
    backend.repaired(Repairs.DEVICE, "d");
    backend.repaired(Repairs.DEVICE, "d");
    assertThat(agent.counted(Repairs.STATUS)).isEqualTo(1);

    assertThat(backend.count(Repairs.DEVICE)).isEqualTo(2);
    assertThat(backend.count(Repairs.STATUS)).isZero();
    assertThat(registry.get("vnet_repairs").tags("service", "virtnet-backend", "kind", "device-reasserted")
        .counter().count()).isEqualTo(2);
    assertThat(registry.get("vnet_repairs").tags("service", "phy-agent", "kind", "status-reasserted")
        .counter().count()).isEqualTo(1);
    assertThat(backend.toJson().encode()).isEqualTo("{\"device-reasserted\":2}");
  }

  @Test
  void logsTheFirstTenThenEveryThousandth() {
    assertThat(Repairs.worthLogging(10)).isTrue();
    assertThat(Repairs.worthLogging(11)).isFalse();
    assertThat(Repairs.worthLogging(2000)).isTrue();
    assertThat(Repairs.soFar(3)).isEmpty();
    assertThat(Repairs.soFar(2000)).isEqualTo(" [2000 so far]");
  }

  @Test
  void closeRemovesTheMeters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Repairs repairs = new Repairs(registry, "frontend");
    repairs.repaired(Repairs.LINK_VIEW, "v");
    repairs.close();
    assertThat(registry.find("vnet_repairs").counters()).isEmpty();
    assertThat(repairs.count(Repairs.LINK_VIEW)).isZero();
  }
}
