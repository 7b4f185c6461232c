package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MqttSessionOptionsTest {
  @Test
  void toString_neverShowsThePassword() {
    MqttSessionOptions o = MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "vnet-backend-b0")
        .withCredentials("backend", "s3cret-Pa55");

    assertThat(o.toString()).doesNotContain("s3cret-Pa55").contains("password=****").contains("username=backend")
        .contains("vnet-backend-b0");
    assertThat(MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "x").toString()).contains("password=none");
  }
}
