package io.virtnet.backend.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import org.junit.jupiter.api.Test;

class BackendConfigTest {

  private static BackendConfig parse(String yaml) {
    return BackendConfig.from(ConfigNode.root(ConfigLoader.parse(yaml, "test")));
  }

  @Test
  void defaultStackParses() {
    BackendConfig c = BackendConfig.from(ConfigNode.root(ConfigLoader.defaults()));
    assertThat(c.node()).isEqualTo("backend0");
    assertThat(c.httpHost()).isEqualTo("127.0.0.1");
    assertThat(c.httpPort()).isEqualTo(8080);
    assertThat(c.onAgentLoss()).isEqualTo(AgentLossPolicy.DOWN);
    assertThat(c.instances()).extracting(InstanceConfig::name).containsExactly("virtio-net0", "virtio-net1", "virtio-net2");
    InstanceConfig i = c.instances().get(0);
    assertThat(i.features()).isEqualTo(InstanceConfig.DEFAULT_FEATURES);
    assertThat(i.carrierNotify()).isTrue();
    assertThat(i.policy()).isEqualTo(LinkPolicyConfig.DEFAULTS);
    assertThat(i.mac()).isNull();
    assertThat(i.frontend()).isNull();
  }

  @Test
  void instanceDefaultsAndFullForm() {
    InstanceConfig i = InstanceConfig.fromJson(new JsonObject("""
        {"name":"vn0","phy":"eth0","agent":"linux0","cpu":1,"irq":40}"""));
    assertThat(i.features()).containsExactlyInAnyOrder(VirtioFeature.STATUS, VirtioFeature.CTRL_VQ,
        VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MTU, VirtioFeature.MAC, VirtioFeature.SPEED_DUPLEX);
    assertThat(i.policy().linkwatchIntervalMs()).isEqualTo(1000);
    InstanceConfig full = InstanceConfig.fromJson(new JsonObject("""
        {"name":"vn1","phy":"eth1","agent":"linux0","cpu":3,"irq":41,"mac":"02:00:00:00:00:01",
         "features":["STATUS"],"carrierNotify":false,
         "policy":{"linkwatchIntervalMs":0,"holdUpMs":100,"holdDownMs":200,
                   "dampening":{"penalty":1000,"halfLifeMs":5000,"suppress":2000,"reuse":750,"maxSuppressMs":20000}},
         "frontend":{"kind":"qemu","qmp":"tcp:127.0.0.1:4444","device":"nic0"},"announce":"onRequest"}"""));
    assertThat(i.announce()).isEqualTo(AnnounceMode.ON_LINK_UP);
    assertThat(full.announce()).isEqualTo(AnnounceMode.ON_REQUEST);
    assertThat(full.policy().dampening().reuse()).isEqualTo(750);
    assertThat(full.frontend().nic()).isEqualTo("nic0");
    assertThat(InstanceConfig.fromJson(full.toJson())).isEqualTo(full);
  }

  @Test
  void errorsNameTheFieldPath() {
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1}
            - {name: b, phy: eth0, agent: linux0, cpu: 9999, irq: 2}
        """)).isInstanceOf(ConfigException.class).hasMessage("backend.instances[1].cpu: must be 0..4095, got 9999");
    assertThatThrownBy(() -> parse("backend: {colour: red}"))
        .hasMessageStartingWith("backend.colour: unknown setting");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1, announce: sometimes}
        """)).hasMessageStartingWith("backend.instances[0].announce: must be onLinkUp or onRequest, got 'sometimes'");
    assertThatThrownBy(() -> parse("backend: {onAgentLoss: panic}"))
        .hasMessageStartingWith("backend.onAgentLoss: must be down or hold");
    assertThatThrownBy(() -> parse("backend: {http: {port: 70000}}"))
        .hasMessageStartingWith("backend.http.port: must be 0..65535");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: "eth/0", agent: linux0, cpu: 1, irq: 1}
        """)).hasMessageStartingWith("backend.instances[0].phy: interface name");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1, features: [STATUS, WARP]}
        """)).hasMessageStartingWith("backend.instances[0].features: unknown virtio-net feature 'WARP'");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1, policy: {dampening: {suppress: 100, reuse: 200}}}
        """)).hasMessageStartingWith("backend.instances[0].policy.dampening.reuse: must be below suppress");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1, mac: "zz"}
        """)).hasMessageStartingWith("backend.instances[0].mac:");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1, features: [GUEST_ANNOUNCE]}
        """)).hasMessage("backend.instances[0].features: GUEST_ANNOUNCE needs CTRL_VQ");
    assertThatThrownBy(() -> InstanceConfig.fromJson(new JsonObject("{\"name\":\"a\",\"phy\":\"eth0\",\"agent\":\"x\",\"cpu\":\"2\",\"irq\":1}")))
        .hasMessage("cpu: must be an integer");
    assertThatThrownBy(() -> InstanceConfig.fromJson(new JsonObject("{\"name\":\"a\",\"phy\":\"eth0\",\"agent\":\"x\",\"irq\":1}")))
        .hasMessage("cpu: is required");
  }

  @Test
  void duplicateNamesAndIrqRoutesAreRejected() {
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1}
            - {name: a, phy: eth1, agent: linux0, cpu: 1, irq: 2}
        """)).hasMessage("backend.instances[1].name: duplicate instance name 'a'");
    assertThatThrownBy(() -> parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1}
            - {name: b, phy: eth1, agent: linux0, cpu: 1, irq: 1}
        """)).hasMessage("backend.instances[1].irq: cpu 1 irq 1 is already used by 'a'");
    // the same irq number on another cpu is another line
    assertThat(parse("""
        backend:
          instances:
            - {name: a, phy: eth0, agent: linux0, cpu: 1, irq: 1}
            - {name: b, phy: eth1, agent: linux0, cpu: 2, irq: 1}
        """).instances()).hasSize(2);
  }

  @Test
  void aRemoteFrontendTarget_isRefusedUnlessFrontendRemoteTargetsListsIt() {
    String instance = """
        backend:
          instances:
            - name: vm0
              phy: eth0
              agent: linux0
              cpu: 2
              irq: 42
              frontend: {kind: libvirt, uri: "qemu+ssh://root@lab1/system", domain: vm0, interface: "52:54:00:00:00:01"}
        """;
    assertThatThrownBy(() -> parse(instance))
        .hasMessage("backend.instances[0].frontend: frontend libvirt target 'qemu+ssh://root@lab1/system' is not on this "
            + "host; an instance may name a remote target only if frontend.remoteTargets lists it");

    BackendConfig allowed = parse(instance + """
        frontend:
          remoteTargets: ["qemu+ssh://root@lab1/system"]
        """);
    assertThat(allowed.instances().get(0).frontend().target()).isEqualTo("qemu+ssh://root@lab1/system");
    assertThat(parse(instance.replace("qemu+ssh://root@lab1/system", "qemu:///system")).instances()).hasSize(1);
  }
}
