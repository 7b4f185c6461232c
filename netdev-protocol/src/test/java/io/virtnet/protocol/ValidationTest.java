package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.virtnet.protocol.TestJson.bytes;
import static io.virtnet.protocol.TestJson.tree;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ValidationTest {

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", "eth0/#", "+", "#", "a b", "eth:0", "sixteen-bytes-xx", "tab\tx", "nul\u0000x"})
  void invalidIfnamesAreRejected(String name) {
    assertThat(Names.isValidIfname(name)).isFalse();
    assertThatThrownBy(() -> Names.requireIfname(name))
        .isInstanceOf(InvalidMessageException.class)
        .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("invalid-name");
  }

  @ParameterizedTest
  @ValueSource(strings = {"eth0", "enp0s31f6", "wlan0.100", "a", "fifteen-bytes-x", "br-lan_1"})
  void validIfnamesPass(String name) {
    assertThat(Names.isValidIfname(name)).isTrue();
  }

  @Test
  void instanceNames() {
    assertThat(Names.isValidInstance("virtio-net0")).isTrue();
    assertThat(Names.isValidInstance("Virtio")).isFalse();
    assertThat(Names.isValidInstance("-x")).isFalse();
    assertThat(Names.isValidInstance("a".repeat(63))).isTrue();
    assertThat(Names.isValidInstance("a".repeat(64))).isFalse();
    assertThat(Names.isValidInstance("0a.b_c-d")).isTrue();
    assertThat(Names.isValidInstance("9")).isTrue();
    for (String bad : new String[] {"", ".x", "_x", "a/b", "a+b", "a#", "a b", "ä", "a\u0000", "aZ"}) {
      assertThat(Names.isValidInstance(bad)).as("'%s'", bad).isFalse();
    }
    assertThat(Names.isValidInstance(null)).isFalse();
    assertThat(Names.instanceProblem("a/b")).isEqualTo("name 'a/b' must match [a-z0-9][a-z0-9._-]{0,62}");
  }

  private static String reasonOf(byte[] payload) {
    try {
      Codecs.NETDEV_EVENT.decode(payload);
      return "accepted";
    } catch (InvalidMessageException e) {
      return e.reason();
    }
  }

  private static String reasonOf(String payload) {
    return reasonOf(bytes(payload));
  }

  private static String reasonOf(ObjectNode payload) {
    return reasonOf(bytes(payload));
  }

  private static ObjectNode valid() {
    return tree(Codecs.NETDEV_EVENT.encode(new NetdevEvent(NetdevCmd.NETDEV_CHANGE, 42, ContractPinTest.eth0(), null)));
  }

  @Test
  void everyBreachHasAReason() {
    assertThat(reasonOf(valid())).isEqualTo("accepted");
    assertThat(reasonOf("")).isEqualTo("empty");
    assertThat(reasonOf("{not json")).isEqualTo("malformed-json");
    assertThat(reasonOf("[1,2]")).isEqualTo("malformed-json");
    assertThat(reasonOf("{\"pad\":\"" + "x".repeat(5000) + "\"}")).isEqualTo("oversize");
    assertThat(reasonOf(valid().put("v", 2))).isEqualTo("schema-version");
    assertThat(reasonOf(valid().put("mtu", "1500"))).isEqualTo("wrong-type");
    assertThat(reasonOf(valid().put("carrier", 1))).isEqualTo("wrong-type");
    assertThat(reasonOf(valid().put("mtu", -5))).isEqualTo("out-of-range");
    assertThat(reasonOf(valid().put("ifname", "eth0/#"))).isEqualTo("invalid-name");
    assertThat(reasonOf(valid().put("event", "NETDEV_EXPLODE"))).isEqualTo("unknown-value");
    assertThat(reasonOf(valid().put("seq", 0))).isEqualTo("out-of-range");
    ObjectNode missing = valid();
    missing.remove("carrier");
    assertThat(reasonOf(missing)).isEqualTo("missing-field");
    assertThat(reasonOf(valid().put("ts", "yesterday"))).isEqualTo("wrong-type");
  }

  @Test
  void aFutureSchemaVersionIsRefusedOnEveryPayload() {
    assertThatThrownBy(() -> Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"carrier\",\"value\":false,\"v\":2}")))
        .isInstanceOf(InvalidMessageException.class)
        .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("schema-version");
    assertThatThrownBy(() -> Codecs.SERVICE_STATUS.decode(bytes("{\"state\":\"offline\",\"v\":\"1\"}")))
        .isInstanceOf(InvalidMessageException.class);
    assertThat(Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"carrier\",\"value\":false,\"v\":1}")).value()).isEqualTo(false);
  }

  @Test
  void badUtf8IsRejected() {
    byte[] bad = {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    assertThatThrownBy(() -> Codecs.NETDEV_EVENT.decode(bad))
        .isInstanceOf(InvalidMessageException.class)
        .extracting(e -> ((InvalidMessageException) e).reason()).isEqualTo("bad-utf8");
  }

  @Test
  void phyCommands() {
    assertThat(Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"carrier\",\"value\":false}")))
        .isEqualTo(new PhyCommand(PhyCommand.Op.CARRIER, false));
    assertThat(Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"mtu\",\"value\":9000}")).value()).isEqualTo(9000);
    assertThat(Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"register\"}")).op()).isEqualTo(PhyCommand.Op.REGISTER);
    assertThatThrownBy(() -> Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"carrier\",\"value\":\"yes\"}")))
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("boolean");
    assertThatThrownBy(() -> Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"melt\"}")))
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("unknown op");
    assertThatThrownBy(() -> Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"rename\",\"value\":\"a/b\"}")))
        .isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> Codecs.PHY_COMMAND.decode(bytes("{\"op\":\"mtu\",\"value\":10}")))
        .isInstanceOf(InvalidMessageException.class);
  }

  @Test
  void ctrlMessages() {
    assertThat(Codecs.CTRL.decode(bytes("{\"class\":3,\"cmd\":0}")))
        .isInstanceOfSatisfying(CtrlMessage.Command.class, c -> assertThat(c.isAnnounceAck()).isTrue());
    assertThat(Codecs.CTRL.decode(bytes("{\"driverFeatures\":[\"STATUS\",\"MAC\"]}")))
        .isEqualTo(new CtrlMessage.DriverFeatures(java.util.EnumSet.of(VirtioFeature.STATUS, VirtioFeature.MAC)));
    assertThat(TestJson.text(Codecs.CTRL.encode(CtrlMessage.announceAck()))).isEqualTo("{\"class\":3,\"cmd\":0}");
    assertThatThrownBy(() -> Codecs.CTRL.decode(bytes("{\"driverFeatures\":[\"WARP\"]}")))
        .isInstanceOf(InvalidMessageException.class);
  }

  @Test
  void deviceMessageRoundTripAndExample() {
    String example = "{\"instance\":\"virtio-net0\",\"cpu\":2,\"irq\":42,\"deviceFeatures\":[\"STATUS\",\"CTRL_VQ\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}";
    DeviceInfo d = Codecs.DEVICE.decode(bytes(example));
    assertThat(d.cpu()).isEqualTo(2);
    assertThat(d.irq()).isEqualTo(42);
    assertThat(d.frontend()).isNull();
    assertThat(Codecs.DEVICE.decode(Codecs.DEVICE.encode(d))).isEqualTo(d);
    String qemu = "{\"instance\":\"virtio-net5\",\"cpu\":2,\"irq\":45,\"deviceFeatures\":[],\"phy\":\"eth0\",\"agent\":\"linux0\","
        + "\"frontend\":{\"kind\":\"qemu\",\"qmp\":\"unix:/run/vm1/qmp.sock\",\"device\":\"nic0\"}}";
    assertThat(Codecs.DEVICE.decode(bytes(qemu)).frontend().nic()).isEqualTo("nic0");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "52:54:00:12:34", "52:54:00:12:34:5g", "52:54:00:12:34:567", "52.54.00.12.34.56",
      "52:54:00:12:34:5\uFF16", " 2:54:00:12:34:56", "52:54:00:12:34:56:"})
  void invalidMacsAreRejected(String mac) {
    assertThatThrownBy(() -> VirtioNetConfig.parseMac(mac)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must look like 52:54:00:12:34:56");
  }

  @Test
  void macsParseWithEitherSeparatorAndCase() {
    byte[] expected = {0x52, 0x54, 0x00, (byte) 0xab, (byte) 0xCD, (byte) 0xef};
    assertThat(VirtioNetConfig.parseMac("52:54:00:ab:CD:ef")).isEqualTo(expected);
    assertThat(VirtioNetConfig.parseMac("52-54-00-AB-cd-EF")).isEqualTo(expected);
    assertThatThrownBy(() -> VirtioNetConfig.parseMac(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void configsAreEqualByValue() {
    VirtioNetConfig a = new VirtioNetConfig(VirtioNetConfig.parseMac("52:54:00:12:34:56"), 1, 1, 1500, 1000, 1, 0, 0, 0);
    assertThat(a).isEqualTo(new VirtioNetConfig(VirtioNetConfig.parseMac("52:54:00:12:34:56"), 1, 1, 1500, 1000, 1, 0, 0, 0))
        .hasSameHashCodeAs(new VirtioNetConfig(VirtioNetConfig.parseMac("52:54:00:12:34:56"), 1, 1, 1500, 1000, 1, 0, 0, 0));
    assertThat(a).isNotEqualTo(new VirtioNetConfig(VirtioNetConfig.parseMac("52:54:00:12:34:57"), 1, 1, 1500, 1000, 1, 0, 0, 0))
        .isNotEqualTo(new VirtioNetConfig(a.mac(), 3, 1, 1500, 1000, 1, 0, 0, 0))
        .isNotEqualTo(new VirtioNetConfig(a.mac(), 1, 1, 1500, 100, 1, 0, 0, 0))
        .isNotEqualTo(new VirtioNetConfig(a.mac(), 1, 1, 1500, 1000, 1, 0, 0, 1));
  }
}
