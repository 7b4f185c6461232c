package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrontendBindingTest {
  private static FrontendBinding of(Map<String, String> fields) {
    return FrontendBinding.of(fields::get);
  }

  @Test
  void libvirtBinding_roundTripsThroughTheDeviceMessage() {
    FrontendBinding b = of(Map.of("kind", "libvirt", "uri", "qemu:///system", "domain", "vm1",
        "interface", "52:54:00:12:34:56"));
    DeviceInfo d = new DeviceInfo("virtio-net5", 2, 45, Set.of(VirtioFeature.STATUS), "eth0", "linux0", b);

    String json = new String(Codecs.DEVICE.encode(d), java.nio.charset.StandardCharsets.UTF_8);

    assertThat(json).contains("\"frontend\":{\"kind\":\"libvirt\",\"uri\":\"qemu:///system\",\"domain\":\"vm1\","
        + "\"interface\":\"52:54:00:12:34:56\"}");
    assertThat(Codecs.DEVICE.decode(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)).frontend()).isEqualTo(b);
    assertThat(b.target()).isEqualTo("qemu:///system");
    assertThat(b.nic()).isEqualTo("52:54:00:12:34:56");
  }

  @Test
  void libvirtInterface_isAMacOrATargetDevice_andTheKindMustBeKnown() {
    assertThat(of(Map.of("kind", "libvirt", "uri", "qemu:///session", "domain", "vm-1", "interface", "vnet3")).nic())
        .isEqualTo("vnet3");
    assertThatThrownBy(() -> of(Map.of("kind", "libvirt", "uri", "qemu:///system", "domain", "vm1", "interface", "net 0")))
        .isInstanceOfSatisfying(InvalidMessageException.class, e -> assertThat(e.reason()).isEqualTo("invalid-name"))
        .hasMessageContaining("interface must be the NIC's MAC address or target device");
    assertThatThrownBy(() -> of(Map.of("kind", "libvirt", "uri", "http://x/", "domain", "vm1", "interface", "vnet3")))
        .hasMessageContaining("libvirt QEMU URI");
    assertThatThrownBy(() -> of(Map.of("kind", "libvirt", "uri", "qemu:///system", "domain", "<vm>", "interface", "vnet3")))
        .hasMessageContaining("domain must be a libvirt domain name");
    assertThatThrownBy(() -> of(Map.of("kind", "xen"))).isInstanceOfSatisfying(InvalidMessageException.class,
        e -> assertThat(e.reason()).isEqualTo("unknown-value")).hasMessageContaining("'qemu' or 'libvirt'");
  }

  @Test
  void local_isThisHostOnly() {
    assertThat(of(Map.of("kind", "qemu", "qmp", "unix:/run/vm1.sock", "device", "nic0")).local()).isTrue();
    assertThat(of(Map.of("kind", "qemu", "qmp", "tcp:127.0.0.1:4444", "device", "nic0")).local()).isTrue();
    assertThat(of(Map.of("kind", "qemu", "qmp", "tcp:localhost:4444", "device", "nic0")).local()).isTrue();
    assertThat(of(Map.of("kind", "qemu", "qmp", "tcp:10.0.0.5:4444", "device", "nic0")).local()).isFalse();
    assertThat(libvirt("qemu:///system").local()).isTrue();
    assertThat(libvirt("qemu:///session").local()).isTrue();
    assertThat(libvirt("qemu+unix:///system").local()).isTrue();
    assertThat(libvirt("qemu+ssh://root@host/system").local()).isFalse();
    assertThat(libvirt("qemu+tcp://host/system").local()).isFalse();
    assertThat(libvirt("qemu://host/system").local()).isFalse();
  }

  @Test
  void remoteTargets_refuseAnUnlistedRemoteTarget_withTheReason() {
    RemoteTargets listed = new RemoteTargets(Set.of("qemu+ssh://root@host/system"));

    assertThat(RemoteTargets.NONE.refusal(null)).isNull();
    assertThat(RemoteTargets.NONE.refusal(libvirt("qemu:///system"))).isNull();
    assertThat(RemoteTargets.NONE.refusal(libvirt("qemu+ssh://root@host/system")))
        .isEqualTo("frontend libvirt target 'qemu+ssh://root@host/system' is not on this host; an instance may name "
            + "a remote target only if frontend.remoteTargets lists it");
    assertThat(listed.refusal(libvirt("qemu+ssh://root@host/system"))).isNull();
    assertThat(listed.refusal(libvirt("qemu+tcp://host/system"))).contains("is not on this host");
  }

  private static FrontendBinding libvirt(String uri) {
    return of(Map.of("kind", "libvirt", "uri", uri, "domain", "vm1", "interface", "52:54:00:12:34:56"));
  }
}
