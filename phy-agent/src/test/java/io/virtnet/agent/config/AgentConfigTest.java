package io.virtnet.agent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Duplex;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentConfigTest {

  private static AgentConfig parse(String yaml) {
    return AgentConfig.from(ConfigNode.root(ConfigLoader.parse(yaml, "test.yaml")));
  }

  private static void fails(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void defaultStack_isASimAgentWithEth0AndEth1() {
    AgentConfig c = AgentConfig.from(ConfigNode.root(ConfigLoader.defaults()));

    assertThat(c.name()).isEqualTo("linux0");
    assertThat(c.source()).isEqualTo(AgentConfig.Source.SIM);
    assertThat(c.allInterfaces()).isTrue();
    assertThat(c.phys()).extracting(SimPhyConfig::name).containsExactly("eth0", "eth1");
    assertThat(c.phys().get(0)).isEqualTo(new SimPhyConfig("eth0", "52:54:00:12:34:56", 1500, 1000, Duplex.FULL,
        true, true, true));
  }

  @Test
  void missingSection_givesDefaults() {
    AgentConfig c = AgentConfig.from(ConfigNode.root(new JsonObject()));
    assertThat(c.name()).isEqualTo(AgentConfig.DEFAULT_NAME);
    assertThat(c.source()).isEqualTo(AgentConfig.Source.SIM);
    assertThat(c.phys()).isEmpty();
  }

  @Test
  void phyDefaults_andOptionalFields() {
    AgentConfig c = parse("""
        agent:
          name: host-1
          phys:
            - name: eth0
            - name: eth1
              address: 52-54-00-AB-CD-EF
              mtu: 9000
              speed: -1
              duplex: unknown
              admin: false
              carrier: false
              registered: false
        """);
    assertThat(c.phys().get(0)).isEqualTo(SimPhyConfig.defaults("eth0"));
    assertThat(c.phys().get(1)).isEqualTo(new SimPhyConfig("eth1", "52:54:00:ab:cd:ef", 9000, -1, Duplex.UNKNOWN,
        false, false, false));
  }

  @Test
  void netlink_withInterfaceList() {
    AgentConfig c = parse("agent: {source: netlink, interfaces: [eth0, enp3s0]}");
    assertThat(c.source()).isEqualTo(AgentConfig.Source.NETLINK);
    assertThat(c.allInterfaces()).isFalse();
    assertThat(c.interfaces()).containsExactly("eth0", "enp3s0");
    assertThat(parse("agent: {source: netlink, interfaces: 'eth0,eth1'}").interfaces()).containsExactly("eth0", "eth1");
  }

  @Test
  void errors_nameTheFieldPath() {
    fails("agent: {nmae: x}", "agent.nmae: unknown setting (allowed: name, source, interfaces, phys)");
    fails("agent: {name: Linux0}", "agent.name: name 'Linux0' must match [a-z0-9][a-z0-9._-]{0,62}");
    fails("agent: {source: kernel}", "agent.source: must be sim or netlink, got 'kernel'");
    fails("agent: {phys: [{name: eth0}, {name: eth1, mtu: 67}]}", "agent.phys[1].mtu: must be 68..65535, got 67");
    fails("agent: {phys: [{name: eth0, mtu: 65536}]}", "agent.phys[0].mtu: must be 68..65535, got 65536");
    fails("agent: {phys: [{name: eth0, speed: -2}]}", "agent.phys[0].speed: must be -1..2147483647, got -2");
    fails("agent: {phys: [{name: eth0, duplex: double}]}",
        "agent.phys[0].duplex: duplex must be half, full or unknown, not 'double'");
    fails("agent: {phys: [{name: eth0, address: 'zz:00'}]}",
        "agent.phys[0].address: MAC address 'zz:00' must look like 52:54:00:12:34:56");
    fails("agent: {phys: [{name: 'eth0:1'}]}",
        "agent.phys[0].name: interface name 'eth0:1' contains a forbidden character (/ : + # NUL or whitespace)");
    fails("agent: {phys: [{name: abcdefghijklmnop}]}",
        "agent.phys[0].name: interface name 'abcdefghijklmnop' is 16 bytes, at most 15 allowed");
    fails("agent: {phys: [{name: eth0, admin: yes please}]}", "agent.phys[0].admin: must be true or false");
    fails("agent: {phys: [{name: eth0, colour: red}]}",
        "agent.phys[0].colour: unknown setting (allowed: name, address, mtu, speed, duplex, admin, carrier, registered)");
    fails("agent: {phys: [{mtu: 1500}]}", "agent.phys[0].name: is required");
  }

  @Test
  void duplicatePhyNames_areRejected() {
    fails("agent: {phys: [{name: eth0}, {name: eth1}, {name: eth0}]}", "agent.phys[2].name: duplicate PHY name 'eth0'");
    assertThatThrownBy(() -> AgentConfig.sim("a", List.of(SimPhyConfig.defaults("x"), SimPhyConfig.defaults("x"))))
        .hasMessage("agent.phys[1].name: duplicate PHY name 'x'");
  }

  @Test
  void interfaces_validated_andOnlyForNetlink() {
    fails("agent: {source: sim, interfaces: [eth0]}",
        "agent.interfaces: only a netlink agent selects interfaces; a sim agent has its phys (use 'all')");
    fails("agent: {source: netlink, interfaces: [eth0, 'a/b']}",
        "agent.interfaces: interface name 'a/b' contains a forbidden character (/ : + # NUL or whitespace)");
    fails("agent: {source: netlink, interfaces: [eth0, eth0]}", "agent.interfaces: 'eth0' is listed twice");
    fails("agent: {source: netlink, interfaces: []}", "agent.interfaces: must be 'all' or name at least one interface");
    fails("agent: {source: netlink, interfaces: [all, eth0]}", "agent.interfaces: 'all' cannot be combined with names");
  }

  @Test
  void netlink_keepsSimPhys_soTheDefaultStackCanBeSwitched() {
    AgentConfig c = parse("agent: {source: netlink, phys: [{name: eth0}]}");
    assertThat(c.phys()).hasSize(1);
  }
}
