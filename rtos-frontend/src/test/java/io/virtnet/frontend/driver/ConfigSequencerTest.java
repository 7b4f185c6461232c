package io.virtnet.frontend.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.protocol.VirtioNetConfig.Generational;
import org.junit.jupiter.api.Test;

class ConfigSequencerTest {
  private final ConfigSequencer seq = new ConfigSequencer();

  private static Generational cfg(long generation) {
    return new Generational(generation, new VirtioNetConfig(new byte[6], 1, 1, 1500, 1000, 1, 0, 0, 0));
  }

  private Generational applied(Generational g) {
    if (g != null) {
      seq.applied(g.generation());
    }
    return g;
  }

  @Test
  void retainedConfig_isAppliedAtOnce_unlessOlderThanApplied() {
    assertThat(applied(seq.onRetainedConfig(cfg(5)))).isNotNull();
    assertThat(seq.onRetainedConfig(cfg(5))).isNotNull(); // resync re-applies the same generation
    assertThat(seq.onRetainedConfig(cfg(4))).isNull();
  }

  @Test
  void liveConfig_waitsForItsIrq() {
    applied(seq.onRetainedConfig(cfg(1)));
    assertThat(seq.onLiveConfig(cfg(2))).isNull();
    assertThat(seq.storedGeneration()).isEqualTo(2);
    assertThat(applied(seq.onIrq(2)).generation()).isEqualTo(2);
    assertThat(seq.storedGeneration()).isEqualTo(-1);
  }

  @Test
  void irqFirst_waitsForItsConfig_andIgnoresOlderOnes() {
    applied(seq.onRetainedConfig(cfg(1)));
    assertThat(seq.onIrq(3)).isNull();
    assertThat(seq.pendingIrqGeneration()).isEqualTo(3);
    assertThat(seq.onLiveConfig(cfg(2))).isNull();
    assertThat(applied(seq.onLiveConfig(cfg(3))).generation()).isEqualTo(3);
    assertThat(seq.pendingIrqGeneration()).isEqualTo(-1);
  }

  @Test
  void irqForAnOlderGeneration_appliesTheNewestStoredConfig() {
    applied(seq.onRetainedConfig(cfg(1)));
    seq.onLiveConfig(cfg(2));
    seq.onLiveConfig(cfg(3));
    assertThat(applied(seq.onIrq(2)).generation()).isEqualTo(3);
    assertThat(seq.onIrq(3)).isNull(); // already shown
    assertThat(seq.pendingIrqGeneration()).isEqualTo(-1);
  }

  @Test
  void duplicatesAndOldConfigs_areIgnored() {
    applied(seq.onRetainedConfig(cfg(10)));
    assertThat(seq.onLiveConfig(cfg(10))).isNull();
    assertThat(seq.onLiveConfig(cfg(9))).isNull();
    assertThat(seq.storedGeneration()).isEqualTo(-1);
    assertThat(seq.onIrq(9)).isNull();
    assertThat(seq.pendingIrqGeneration()).isEqualTo(-1);
  }

  @Test
  void generationsWrapAroundU32() {
    applied(seq.onRetainedConfig(cfg(0xFFFF_FFFFL)));
    assertThat(seq.onIrq(0)).isNull();
    assertThat(applied(seq.onLiveConfig(cfg(0))).generation()).isZero();
    assertThat(seq.onLiveConfig(cfg(0xFFFF_FFFEL))).isNull();
  }
}
