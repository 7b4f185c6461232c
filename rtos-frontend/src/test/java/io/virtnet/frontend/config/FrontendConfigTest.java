package io.virtnet.frontend.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.protocol.VirtioFeature;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrontendConfigTest {
  private static FrontendConfig parse(String yaml) {
    return FrontendConfig.from(ConfigNode.root(ConfigLoader.parse(yaml, "test.yaml")));
  }

  @Test
  void defaultStack_servesCpus2And3AsRtos23() {
    FrontendConfig c = FrontendConfig.from(ConfigNode.root(ConfigLoader.defaults()));
    assertThat(c.node()).isEqualTo("rtos-2-3");
    assertThat(c.cpus()).containsExactly(2, 3);
    assertThat(c.driverFeatures()).isEqualTo(FrontendConfig.DEFAULT_DRIVER_FEATURES);
    assertThat(c).isEqualTo(FrontendConfig.defaults());
  }

  @Test
  void emptySection_usesDefaults() {
    assertThat(parse("mqtt: {prefix: vnet}")).isEqualTo(FrontendConfig.defaults());
  }

  @Test
  void explicitValues_andCpuOverride() {
    FrontendConfig c = parse("frontend: {cpus: [4], driverFeatures: [MAC, MTU]}");
    assertThat(c.node()).isEqualTo("rtos-4");
    assertThat(c.driverFeatures()).isEqualTo(EnumSet.of(VirtioFeature.MAC, VirtioFeature.MTU));
    FrontendConfig o = FrontendConfig.from(ConfigNode.root(ConfigLoader.parse("frontend: {cpus: [4]}", "t")), List.of(5, 6));
    assertThat(o.node()).isEqualTo("rtos-5-6");
    assertThat(parse("frontend: {node: board1, cpus: [1]}").node()).isEqualTo("board1");
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> parse("frontend: {cpus: [2, 2]}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.cpus").hasMessageContaining("twice");
    assertThatThrownBy(() -> parse("frontend: {cpus: [9999]}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.cpus");
    assertThatThrownBy(() -> parse("frontend: {cpus: []}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.cpus");
    assertThatThrownBy(() -> parse("frontend: {cpu: [2]}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.cpu: unknown setting");
    assertThatThrownBy(() -> parse("frontend: {driverFeatures: [STATUS, WOL]}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.driverFeatures").hasMessageContaining("WOL");
    assertThatThrownBy(() -> parse("frontend: {node: 'Bad Name'}"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("frontend.node");
  }
}
