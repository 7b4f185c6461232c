package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue 18's checks, end to end from the default stack on the real broker: a lost IRQ does not leave
 * a frontend's view wrong for longer than {@code resyncMs} + 1 s, and the three instances have three
 * distinct locally administered MACs.
 */
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class LostIrqAndMacTest extends DefaultStackTest {
  private static final Duration RESYNC_PLUS_1S = Duration.ofMillis(BackendConfig.DEFAULT_RESYNC_MS + 1000);

  @Test
  void aConfigWhoseIrqWasLost_theViewIsRightWithinResyncPlusOneSecond() {
    String configTopic = p + "/virtio/virtio-net0/config";
    TestMqtt.Received current = mqtt.awaitLast(configTopic, r -> !r.isEmpty(), Duration.ofSeconds(5));
    VirtioNetConfig.Generational live = VirtioNetConfig.decodeWire(current.payload());
    assertThat(live.config().linkUp()).isTrue();

    // the fault hook: a newer config (link down) lands retained, and the IRQ that should announce it is
    // lost (never published), as after a broker failover without persistence
    long lostGeneration = live.generation() + 1;
    mqtt.publish(configTopic, live.config().withStatus(0).encodeWire(lostGeneration), true);

    // within resyncMs + 1 s the driver's view is right again: carrier up (the PHY's truth) at a
    // generation at or after the lost one, and the retained config agrees with it
    JsonObject view = mqtt.awaitLast(link(2, "virtio-net0"), r -> !r.isEmpty()
        && r.json().getBoolean("carrier")
        && VirtioNetConfig.generationAtOrAfter(r.json().getLong("generation"), lostGeneration),
        RESYNC_PLUS_1S).json();
    VirtioNetConfig.Generational truth = VirtioNetConfig.decodeWire(
        mqtt.awaitLast(configTopic, r -> !r.isEmpty(), Duration.ofSeconds(1)).payload());
    assertThat(truth.config().linkUp()).isTrue();
    assertThat(view.getLong("generation")).isEqualTo(truth.generation());
  }

  @Test
  void theThreeInstancesHaveThreeDistinctLocallyAdministeredMacs() {
    Set<String> macs = new HashSet<>();
    for (String topic : List.of(link(2, "virtio-net0"), link(2, "virtio-net1"), link(3, "virtio-net2"))) {
      String mac = mqtt.awaitLast(topic, r -> !r.isEmpty() && r.json().getString("mac") != null,
          Duration.ofSeconds(5)).json().getString("mac");
      assertThat(mac).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
      int firstOctet = Integer.parseInt(mac.substring(0, 2), 16);
      assertThat(firstOctet & 0x02).as("locally administered bit of %s", mac).isEqualTo(0x02);
      assertThat(firstOctet & 0x01).as("unicast (group bit clear) of %s", mac).isZero();
      macs.add(mac);
    }
    assertThat(macs).hasSize(3);
  }
}
