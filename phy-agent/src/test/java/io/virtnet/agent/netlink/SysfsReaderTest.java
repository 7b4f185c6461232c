package io.virtnet.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.protocol.Duplex;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysfsReaderTest {
  @TempDir
  Path root;

  private void device(String name, int ifindex, String speed, String duplex) throws IOException {
    Path dir = Files.createDirectories(root.resolve(name));
    Files.writeString(dir.resolve("ifindex"), ifindex + "\n");
    if (speed != null) {
      Files.writeString(dir.resolve("speed"), speed + "\n");
    }
    if (duplex != null) {
      Files.writeString(dir.resolve("duplex"), duplex + "\n");
    }
  }

  @Test
  void readsSpeedAndDuplex() throws IOException {
    device("eth0", 2, "1000", "full");
    SysfsReader r = SysfsReader.sysfs(root);

    assertThat(r.speed("eth0", 2)).isEqualTo(1000);
    assertThat(r.duplex("eth0", 2)).isEqualTo(Duplex.FULL);
  }

  @Test
  void absentUnreadableOrNonsense_isUnknown() throws IOException {
    device("eth1", 3, null, null);
    device("eth2", 4, "-1", "unknown");
    device("eth3", 5, "fast", "half");
    SysfsReader r = SysfsReader.sysfs(root);

    assertThat(r.speed("eth1", 3)).isEqualTo(-1);
    assertThat(r.duplex("eth1", 3)).isEqualTo(Duplex.UNKNOWN);
    assertThat(r.speed("eth2", 4)).isEqualTo(-1);
    assertThat(r.duplex("eth2", 4)).isEqualTo(Duplex.UNKNOWN);
    assertThat(r.speed("eth3", 5)).isEqualTo(-1);
    assertThat(r.duplex("eth3", 5)).isEqualTo(Duplex.HALF);
    assertThat(r.speed("nosuch", 9)).isEqualTo(-1);
  }

  @Test
  void sameNameWithAnotherIfindex_isNotOurDevice() throws IOException {
    device("eth0", 7, "1000", "full");
    SysfsReader r = SysfsReader.sysfs(root);

    assertThat(r.speed("eth0", 2)).isEqualTo(-1);
    assertThat(r.duplex("eth0", 2)).isEqualTo(Duplex.UNKNOWN);
  }

  @Test
  void selection_allExcludesLo_explicitSetIsExact_andConfigSpelling() {
    assertThat(InterfaceSelection.all().test("lo")).isFalse();
    assertThat(InterfaceSelection.all().test("eth0")).isTrue();
    assertThat(InterfaceSelection.of(List.of("eth0")).test("eth1")).isFalse();
    assertThat(InterfaceSelection.parse(List.of("all"))).isSameAs(InterfaceSelection.all());
    assertThat(InterfaceSelection.parse(List.of("lo", "eth0")).test("lo")).isTrue();
  }
}
