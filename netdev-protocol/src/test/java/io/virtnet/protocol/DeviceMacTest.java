package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The device's own MAC (docs/contract.md §3): stable, locally administered, unicast and unique. */
class DeviceMacTest {

  @Test
  void stableAcrossCalls_andParsesAsAMac() {
    String mac = DeviceMac.derive("backend0", "virtio-net0");
    assertThat(DeviceMac.derive("backend0", "virtio-net0")).isEqualTo(mac);
    assertThat(mac).matches("02(:[0-9a-f]{2}){5}");
    assertThat(VirtioNetConfig.parseMac(mac)).isEqualTo(DeviceMac.deriveBytes("backend0", "virtio-net0"));
    // pinned: a change of the derivation renames every device on every board
    assertThat(mac).isEqualTo("02:51:5b:6b:1b:73");
  }

  @Test
  void distinctPerNodeAndInstance_locallyAdministeredAndUnicast_over100000Names() {
    Map<String, String> seen = new HashMap<>();
    for (String node : new String[] {"backend0", "backend1", "lab-7.rack2", "n"}) {
      for (int i = 0; i < 25_000; i++) {
        String instance = "virtio-net" + i;
        byte[] mac = DeviceMac.deriveBytes(node, instance);
        assertThat(mac[0] & 0x02).as("locally administered").isEqualTo(0x02);
        assertThat(mac[0] & 0x01).as("unicast").isZero();
        String key = java.util.HexFormat.ofDelimiter(":").formatHex(mac);
        String before = seen.put(key, node + "/" + instance);
        assertThat(before).as("%s collides with %s", node + "/" + instance, before).isNull();
      }
    }
    assertThat(seen).hasSize(100_000);
  }

  @Test
  void theNodeAndInstanceAreNotConcatenatedAmbiguously() {
    assertThat(DeviceMac.derive("ab", "c")).isNotEqualTo(DeviceMac.derive("a", "bc"));
  }

  @Test
  void invalidNames_areRefused() {
    assertThatThrownBy(() -> DeviceMac.derive("backend0", "Virtio")).isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> DeviceMac.derive(null, "virtio-net0")).isInstanceOf(InvalidMessageException.class);
  }

}
