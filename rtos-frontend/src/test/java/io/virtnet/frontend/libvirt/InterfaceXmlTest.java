package io.virtnet.frontend.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class InterfaceXmlTest {
  private static final String DOMAIN = """
      <domain type='qemu' id='3'><name>vm1</name><devices>
        <interface type='user'>
          <mac address='52:54:00:12:34:56'/><model type='virtio'/><link state='up'/><alias name='net0'/>
        </interface>
        <interface type='ethernet'>
          <mac address='52:54:00:aa:bb:cc'/><target dev='tap7' managed='yes'/><model type='virtio'/>
        </interface>
      </devices></domain>""";

  @Test
  void byMac_anyCase_setsTheExistingLinkElement() throws Exception {
    String nic = InterfaceXml.withLinkState(DOMAIN, "52:54:00:12:34:56".toUpperCase(), false);
    assertThat(nic).startsWith("<interface type=\"user\">").contains("<link state=\"down\"/>")
        .contains("52:54:00:12:34:56").doesNotContain("tap7").doesNotContain("state=\"up\"");
  }

  @Test
  void byTargetDev_addsALinkElementWhereThereWasNone() throws Exception {
    String nic = InterfaceXml.withLinkState(DOMAIN, "tap7", true);
    assertThat(nic).contains("<target dev=\"tap7\"").contains("<link state=\"up\"/>").doesNotContain("12:34:56");
  }

  @Test
  void linkState_readsDownUpAndAbsentAsUp() throws Exception {
    assertThat(InterfaceXml.linkState(DOMAIN, "52:54:00:12:34:56")).isTrue();
    assertThat(InterfaceXml.linkState(DOMAIN, "tap7")).isTrue();
    assertThat(InterfaceXml.linkState(InterfaceXml.withLinkState(DOMAIN, "tap7", false).replace("interface", "x"), "tap7")).isNull();
    String down = DOMAIN.replace("<link state='up'/>", "<link state='down'/>");
    assertThat(InterfaceXml.linkState(down, "52:54:00:12:34:56")).isFalse();
    assertThat(InterfaceXml.linkState(DOMAIN, "net0")).as("an alias is not accepted, as virsh").isNull();
  }

  @Test
  void unknownInterface_isAClearError() {
    assertThatThrownBy(() -> InterfaceXml.withLinkState(DOMAIN, "52:54:00:00:00:01", true))
        .isInstanceOf(InterfaceXml.InterfaceNotFoundException.class)
        .hasMessageContaining("no interface with MAC or target device '52:54:00:00:00:01'")
        .hasMessageContaining("virsh domiflist");
  }

  @Test
  void aDoctype_isRefused() {
    String evil = "<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>" + DOMAIN.replace("vm1", "&x;");
    assertThatThrownBy(() -> InterfaceXml.withLinkState(evil, "tap7", true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not parse");
  }
}
