package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconnectPolicyTest {
  private final ReconnectPolicy policy = new ReconnectPolicy(new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000)),
      "MQTT test cannot connect to tcp://h:1883");

  @Test
  void delaysGrowUpToTheCap_andAConnectionResetsThem() {
    assertThat(policy.attemptFailed("refused")).isEqualTo(100);
    for (int i = 1; i < 30; i++) {
      long ceiling = Math.min(1000, 100L << i);
      assertThat(policy.attemptFailed("refused")).isBetween(100L, ceiling);
    }
    policy.connected();
    assertThat(policy.failedAttempts()).isZero();
    assertThat(policy.connectionLost()).as("backoff reset by the connection").isEqualTo(100);
  }

  @Test
  void logsTheFirstFailedAttemptThenEveryTwentieth() {
    int logged = 0;
    for (int i = 1; i <= 40; i++) {
      policy.attemptFailed("refused");
      if (policy.worthLogging()) {
        logged++;
        assertThat(i).isIn(1, 20, 40);
      }
    }
    assertThat(logged).isEqualTo(3);
  }

  @Test
  void countsOnlyReconnections() {
    assertThat(policy.connected()).as("the first connection").isFalse();
    assertThat(policy.connected()).isTrue();
    assertThat(policy.connected()).isTrue();
    assertThat(policy.reconnects()).isEqualTo(2);
  }
}
