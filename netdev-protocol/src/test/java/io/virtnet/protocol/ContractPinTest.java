package io.virtnet.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static io.virtnet.protocol.TestJson.bytes;
import static io.virtnet.protocol.TestJson.keys;
import static io.virtnet.protocol.TestJson.tree;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pins every constant, JSON key and byte offset of docs/contract.md; a change here is a contract change. */
class ContractPinTest {

  static NetdevState eth0() {
    return new NetdevState("linux0", "eth0", 2,
        EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.RUNNING, IfFlag.MULTICAST, IfFlag.LOWER_UP),
        OperState.UP, true, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 3, 2, RegState.REGISTERED,
        Instant.parse("2026-11-22T15:00:00.123456Z"), 42);
  }

  @Test
  void netdevCmdNumbersAreTheKernels() {
    assertThat(NetdevCmd.NETDEV_UP.number()).isEqualTo(1);
    assertThat(NetdevCmd.NETDEV_DOWN.number()).isEqualTo(2);
    assertThat(NetdevCmd.NETDEV_REBOOT.number()).isEqualTo(3);
    assertThat(NetdevCmd.NETDEV_CHANGE.number()).isEqualTo(4);
    assertThat(NetdevCmd.NETDEV_REGISTER.number()).isEqualTo(5);
    assertThat(NetdevCmd.NETDEV_UNREGISTER.number()).isEqualTo(6);
    assertThat(NetdevCmd.NETDEV_CHANGEMTU.number()).isEqualTo(7);
    assertThat(NetdevCmd.NETDEV_CHANGEADDR.number()).isEqualTo(8);
    assertThat(NetdevCmd.NETDEV_PRE_CHANGEADDR.number()).isEqualTo(9);
    assertThat(NetdevCmd.NETDEV_GOING_DOWN.number()).isEqualTo(10);
    assertThat(NetdevCmd.NETDEV_CHANGENAME.number()).isEqualTo(11);
    assertThat(NetdevCmd.NETDEV_NOTIFY_PEERS.number()).isEqualTo(20);
    assertThat(NetdevCmd.NETDEV_PRECHANGEMTU.number()).isEqualTo(24);
    assertThat(NetdevCmd.ofNumber(4)).isEqualTo(NetdevCmd.NETDEV_CHANGE);
    assertThatThrownBy(() -> NetdevCmd.ofNumber(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void operstatesAndFlagsAreTheKernels() {
    assertThat(OperState.UNKNOWN.number()).isZero();
    assertThat(OperState.NOTPRESENT.number()).isEqualTo(1);
    assertThat(OperState.DOWN.number()).isEqualTo(2);
    assertThat(OperState.LOWERLAYERDOWN.number()).isEqualTo(3);
    assertThat(OperState.TESTING.number()).isEqualTo(4);
    assertThat(OperState.DORMANT.number()).isEqualTo(5);
    assertThat(OperState.UP.number()).isEqualTo(6);
    assertThat(IfFlag.UP.bit()).isEqualTo(0x1);
    assertThat(IfFlag.BROADCAST.bit()).isEqualTo(0x2);
    assertThat(IfFlag.RUNNING.bit()).isEqualTo(0x40);
    assertThat(IfFlag.MULTICAST.bit()).isEqualTo(0x1000);
    assertThat(IfFlag.LOWER_UP.bit()).isEqualTo(0x10000);
    assertThat(IfFlag.DORMANT.bit()).isEqualTo(0x20000);
    assertThat(IfFlag.fromBits(0x11043)).containsExactlyInAnyOrder(
        IfFlag.UP, IfFlag.BROADCAST, IfFlag.RUNNING, IfFlag.MULTICAST, IfFlag.LOWER_UP);
    assertThat(IfFlag.toBits(Set.of(IfFlag.UP, IfFlag.LOWER_UP))).isEqualTo(0x10001);
  }

  @Test
  void eventJsonHasExactlyTheContractKeys() {
    NetdevEvent e = new NetdevEvent(NetdevCmd.NETDEV_CHANGE, 42, eth0(), null);
    byte[] payload = Codecs.NETDEV_EVENT.encode(e);
    ObjectNode o = tree(payload);
    assertThat(keys(o)).containsExactlyInAnyOrder("v", "event", "seq", "agent", "ifname", "ifindex",
        "flags", "operstate", "carrier", "mtu", "address", "speed", "duplex", "carrierUpCount",
        "carrierDownCount", "reg", "ts");
    assertThat(o.get("v").isInt()).isTrue();
    assertThat(o.get("v").intValue()).isEqualTo(1);
    assertThat(o.get("event").textValue()).isEqualTo("NETDEV_CHANGE");
    assertThat(o.get("seq").longValue()).isEqualTo(42);
    assertThat(o.get("flags")).extracting(f -> f.textValue())
        .containsExactly("UP", "BROADCAST", "RUNNING", "MULTICAST", "LOWER_UP");
    assertThat(o.get("operstate").textValue()).isEqualTo("UP");
    assertThat(o.get("duplex").textValue()).isEqualTo("full");
    assertThat(o.get("reg").textValue()).isEqualTo("REGISTERED");
    assertThat(o.get("ts").textValue()).isEqualTo("2026-11-22T15:00:00.123456Z");
    assertThat(Codecs.NETDEV_EVENT.decode(payload)).isEqualTo(e);
  }

  @Test
  void decodesTheDesignDocExample() {
    String example = "{\"v\":1,\"event\":\"NETDEV_CHANGE\",\"seq\":42,\"agent\":\"linux0\",\"ifname\":\"eth0\",\"ifindex\":2,"
        + "\"flags\":[\"UP\",\"BROADCAST\",\"RUNNING\",\"MULTICAST\",\"LOWER_UP\"],\"operstate\":\"UP\","
        + "\"carrier\":true,\"mtu\":1500,\"address\":\"52:54:00:12:34:56\",\"speed\":1000,\"duplex\":\"full\","
        + "\"carrierUpCount\":3,\"carrierDownCount\":2,\"reg\":\"REGISTERED\",\"ts\":\"2026-11-22T15:00:00.123456Z\"}";
    NetdevEvent e = Codecs.NETDEV_EVENT.decode(bytes(example));
    assertThat(e.state()).isEqualTo(eth0());
    assertThat(e.state().linkUp()).isTrue();
  }

  @Test
  void linkUpNeedsRegisteredAdminUpAndOperUp() {
    NetdevState up = eth0();
    assertThat(up.linkUp()).isTrue();
    NetdevState noCarrier = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP), OperState.LOWERLAYERDOWN,
        false, 1500, "", 1000, Duplex.FULL, 0, 0, RegState.REGISTERED, Instant.EPOCH, 1);
    assertThat(noCarrier.linkUp()).as("NETDEV_UP without carrier is not link up").isFalse();
    NetdevState unknownLowerUp = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP, IfFlag.LOWER_UP),
        OperState.UNKNOWN, true, 1500, "", -1, Duplex.UNKNOWN, 0, 0, RegState.REGISTERED, Instant.EPOCH, 1);
    assertThat(unknownLowerUp.linkUp()).as("as netif_oper_up").isTrue();
    NetdevState unregistering = new NetdevState("linux0", "eth0", 2, EnumSet.of(IfFlag.UP, IfFlag.LOWER_UP),
        OperState.UP, true, 1500, "", -1, Duplex.UNKNOWN, 0, 0, RegState.UNREGISTERING, Instant.EPOCH, 1);
    assertThat(unregistering.linkUp()).isFalse();
  }

  @Test
  void virtioNetConfigOffsetsAndSize() {
    assertThat(VirtioNetConfig.SIZE).isEqualTo(24);
    assertThat(VirtioNetConfig.OFFSET_MAC).isZero();
    assertThat(VirtioNetConfig.OFFSET_STATUS).isEqualTo(6);
    assertThat(VirtioNetConfig.OFFSET_MAX_VIRTQUEUE_PAIRS).isEqualTo(8);
    assertThat(VirtioNetConfig.OFFSET_MTU).isEqualTo(10);
    assertThat(VirtioNetConfig.OFFSET_SPEED).isEqualTo(12);
    assertThat(VirtioNetConfig.OFFSET_DUPLEX).isEqualTo(16);
    assertThat(VirtioNetConfig.OFFSET_RSS_MAX_KEY_SIZE).isEqualTo(17);
    assertThat(VirtioNetConfig.OFFSET_RSS_MAX_INDIRECTION_TABLE_LENGTH).isEqualTo(18);
    assertThat(VirtioNetConfig.OFFSET_SUPPORTED_HASH_TYPES).isEqualTo(20);

    VirtioNetConfig c = new VirtioNetConfig(VirtioNetConfig.parseMac("52:54:00:12:34:56"),
        VirtioNetConfig.S_LINK_UP | VirtioNetConfig.S_ANNOUNCE, 1, 1500, 1000, 1, 40, 128, 0x1ff);
    byte[] wire = c.encodeWire(0xA1B2C3D4L);
    assertThat(wire).hasSize(28);
    ByteBuffer b = ByteBuffer.wrap(wire).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(Integer.toUnsignedLong(b.getInt(0))).isEqualTo(0xA1B2C3D4L);
    assertThat(wire[4]).isEqualTo((byte) 0x52);
    assertThat(wire[9]).isEqualTo((byte) 0x56);
    assertThat(b.getShort(4 + 6)).isEqualTo((short) 3);
    assertThat(wire[4 + 6]).as("status is little-endian").isEqualTo((byte) 3);
    assertThat(b.getShort(4 + 8)).isEqualTo((short) 1);
    assertThat(b.getShort(4 + 10)).isEqualTo((short) 1500);
    assertThat(wire[4 + 10]).isEqualTo((byte) 0xDC);
    assertThat(wire[4 + 11]).isEqualTo((byte) 0x05);
    assertThat(b.getInt(4 + 12)).isEqualTo(1000);
    assertThat(wire[4 + 16]).isEqualTo((byte) 1);
    assertThat(wire[4 + 17]).isEqualTo((byte) 40);
    assertThat(b.getShort(4 + 18)).isEqualTo((short) 128);
    assertThat(b.getInt(4 + 20)).isEqualTo(0x1ff);

    VirtioNetConfig.Generational back = VirtioNetConfig.decodeWire(wire);
    assertThat(back.generation()).isEqualTo(0xA1B2C3D4L);
    assertThat(back.config()).isEqualTo(c);
    assertThat(back.config().linkUp()).isTrue();
    assertThat(back.config().announce()).isTrue();
    assertThatThrownBy(() -> VirtioNetConfig.decodeWire(new byte[27]))
        .isInstanceOf(InvalidMessageException.class).hasMessageContaining("28 bytes");
  }

  @Test
  void unknownSpeedAndDuplexBytes() {
    assertThat(VirtioNetConfig.SPEED_UNKNOWN).isEqualTo(0xFFFFFFFFL);
    assertThat(Duplex.HALF.virtioByte()).isZero();
    assertThat(Duplex.FULL.virtioByte()).isEqualTo(1);
    assertThat(Duplex.UNKNOWN.virtioByte()).isEqualTo(0xFF);
    assertThat(VirtioNetConfig.S_LINK_UP).isEqualTo(1);
    assertThat(VirtioNetConfig.S_ANNOUNCE).isEqualTo(2);
    assertThat(VirtioNetConfig.ISR_CONFIG).isEqualTo(2);
    assertThat(VirtioNetConfig.CTRL_ANNOUNCE).isEqualTo(3);
    assertThat(VirtioNetConfig.CTRL_ANNOUNCE_ACK).isZero();
  }

  @Test
  void generationComparisonWraps() {
    assertThat(VirtioNetConfig.generationAtOrAfter(5, 5)).isTrue();
    assertThat(VirtioNetConfig.generationAtOrAfter(6, 5)).isTrue();
    assertThat(VirtioNetConfig.generationAtOrAfter(4, 5)).isFalse();
    assertThat(VirtioNetConfig.generationAtOrAfter(2, 0xFFFFFFF0L)).as("after wrap").isTrue();
    assertThat(VirtioNetConfig.generationAtOrAfter(0xFFFFFFF0L, 2)).isFalse();
  }

  @Test
  void featureBitsAndNegotiation() {
    assertThat(VirtioFeature.MTU.bit()).isEqualTo(3);
    assertThat(VirtioFeature.MAC.bit()).isEqualTo(5);
    assertThat(VirtioFeature.STATUS.bit()).isEqualTo(16);
    assertThat(VirtioFeature.CTRL_VQ.bit()).isEqualTo(17);
    assertThat(VirtioFeature.GUEST_ANNOUNCE.bit()).isEqualTo(21);
    assertThat(VirtioFeature.SPEED_DUPLEX.bit()).isEqualTo(63);
    assertThat(VirtioFeature.SPEED_DUPLEX.mask()).isEqualTo(Long.MIN_VALUE);
    assertThat(VirtioFeature.negotiate(EnumSet.of(VirtioFeature.STATUS, VirtioFeature.GUEST_ANNOUNCE),
        EnumSet.allOf(VirtioFeature.class)))
        .as("GUEST_ANNOUNCE needs CTRL_VQ").containsExactly(VirtioFeature.STATUS);
  }

  @Test
  void topicsOfTheContract() {
    Topics t = Topics.defaults();
    assertThat(t.phyStatus("linux0")).isEqualTo("vnet/phy/linux0/status");
    assertThat(t.phyState("linux0", "eth0")).isEqualTo("vnet/phy/linux0/eth0/state");
    assertThat(t.phyEvent("linux0", "eth0")).isEqualTo("vnet/phy/linux0/eth0/event");
    assertThat(t.phyRef("linux0", "eth0", "virtio-net0")).isEqualTo("vnet/phy/linux0/eth0/ref/virtio-net0");
    assertThat(t.phyCmd("linux0", "eth0")).isEqualTo("vnet/phy/linux0/eth0/cmd");
    assertThat(t.backendStatus("backend0")).isEqualTo("vnet/backend/backend0/status");
    assertThat(t.virtioDevice("virtio-net0")).isEqualTo("vnet/virtio/virtio-net0/device");
    assertThat(t.virtioConfig("virtio-net0")).isEqualTo("vnet/virtio/virtio-net0/config");
    assertThat(t.virtioCtrl("virtio-net0")).isEqualTo("vnet/virtio/virtio-net0/ctrl");
    assertThat(t.rtosIrq(2)).isEqualTo("vnet/rtos/2/irq");
    assertThat(t.rtosLink(2, "virtio-net0")).isEqualTo("vnet/rtos/2/virtio-net0/link");

    assertThat(t.allPhyCmds("linux0")).isEqualTo("vnet/phy/linux0/+/cmd");
    assertThat(t.allPhyRefs("linux0")).isEqualTo("vnet/phy/linux0/+/ref/+");
    assertThat(t.allPhyStates("linux0")).isEqualTo("vnet/phy/linux0/+/state");
    assertThat(t.allPhyEvents("linux0")).isEqualTo("vnet/phy/linux0/+/event");
    assertThat(t.allPhyStates()).isEqualTo("vnet/phy/+/+/state");
    assertThat(t.allPhyEvents()).isEqualTo("vnet/phy/+/+/event");
    assertThat(t.allAgentStatus()).isEqualTo("vnet/phy/+/status");
    assertThat(t.allBackendStatus()).isEqualTo("vnet/backend/+/status");
    assertThat(t.allDevices()).isEqualTo("vnet/virtio/+/device");
    assertThat(t.allLinks()).isEqualTo("vnet/rtos/+/+/link");
    assertThat(t.allIrqs()).isEqualTo("vnet/rtos/+/irq");
    assertThat(Topics.of("lab/7").rtosIrq(3)).isEqualTo("lab/7/rtos/3/irq");
    assertThatThrownBy(() -> t.allPhyStates("linux+")).isInstanceOf(InvalidMessageException.class);

    assertThat(t.parse("vnet/phy/linux0/eth0/ref/virtio-net0"))
        .isEqualTo(new TopicName.PhyRef("linux0", "eth0", "virtio-net0"));
    assertThat(t.parse("vnet/rtos/3/virtio-net2/link")).isEqualTo(new TopicName.RtosLink(3, "virtio-net2"));
    assertThat(t.parse("vnet/virtio/virtio-net0/config")).isEqualTo(new TopicName.VirtioConfigTopic("virtio-net0"));
    assertThat(t.parse("other/phy/linux0/status")).isNull();
    assertThatThrownBy(() -> t.parse("vnet/phy/linux0/eth0.is.far.too.long/state"))
        .isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> t.phyState("linux0", "eth0/#")).isInstanceOf(InvalidMessageException.class);
  }

  @Test
  void forgedTopics_haveTheSameLayout_butTakeAnyName() {
    Topics.Forged f = Topics.defaults().forged();
    Topics t = Topics.defaults();
    assertThat(f.phyState("linux0", "eth0")).isEqualTo(t.phyState("linux0", "eth0"));
    assertThat(f.phyEvent("linux0", "eth0")).isEqualTo(t.phyEvent("linux0", "eth0"));
    assertThat(f.phyCmd("linux0", "eth0")).isEqualTo(t.phyCmd("linux0", "eth0"));
    assertThat(f.phyRef("linux0", "eth0", "vn0")).isEqualTo(t.phyRef("linux0", "eth0", "vn0"));
    assertThat(f.phyStatus("linux0")).isEqualTo(t.phyStatus("linux0"));
    assertThat(f.backendStatus("backend0")).isEqualTo(t.backendStatus("backend0"));
    assertThat(f.virtioDevice("vn0")).isEqualTo(t.virtioDevice("vn0"));
    assertThat(f.virtioConfig("vn0")).isEqualTo(t.virtioConfig("vn0"));
    assertThat(f.virtioCtrl("vn0")).isEqualTo(t.virtioCtrl("vn0"));
    assertThat(f.rtosIrq("2")).isEqualTo(t.rtosIrq(2));
    assertThat(f.phyState("linux0", "eth0/#")).isEqualTo("vnet/phy/linux0/eth0/#/state");
    assertThat(f.rtosIrq("-1")).isEqualTo("vnet/rtos/-1/irq");
  }

  @Test
  void linkViewJsonHasTheContractKeys_andOldViewsStillDecode() {
    Instant ts = Instant.parse("2026-11-22T15:00:00.200Z");
    LinkView v = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "52:54:00:12:34:56", "virtio", ts,
        Instant.parse("2026-11-22T15:00:00.123Z"));
    ObjectNode o = tree(Codecs.LINK_VIEW.encode(v));
    assertThat(keys(o)).containsExactlyInAnyOrder("carrier", "status", "generation", "mtu", "speed", "duplex",
        "announces", "mac", "driver", "ts", "phyTs");
    assertThat(v.qemu()).isNull();
    assertThat(Codecs.LINK_VIEW.decode(Codecs.LINK_VIEW.encode(v))).isEqualTo(v);
    // a view as published before the qemu extension (and without phyTs) still decodes
    LinkView old = Codecs.LINK_VIEW.decode(bytes("{\"carrier\":false,\"status\":0,\"generation\":8,\"mtu\":1500,"
        + "\"speed\":-1,\"duplex\":\"unknown\",\"announces\":0,\"mac\":\"\",\"driver\":\"virtio\",\"ts\":\"2026-11-22T15:00:00Z\"}"));
    assertThat(old.qemu()).isNull();
    assertThat(old.phyTs()).isNull();
    assertThat(old.speed()).isEqualTo(VirtioNetConfig.SPEED_UNKNOWN);
  }

  @Test
  void linkViewOfAQemuDriver_addsTheQemuObject() {
    Instant ts = Instant.parse("2026-11-22T15:00:00.200Z");
    LinkView.Qemu q = new LinkView.Qemu(true, true, false, "QMP set_link failed: GenericError: x", 3, 1);
    LinkView v = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "", "qemu", ts, null, q);
    ObjectNode o = tree(Codecs.LINK_VIEW.encode(v));
    assertThat(o.get("driver").textValue()).isEqualTo("qemu");
    assertThat(keys((ObjectNode) o.get("qemu"))).containsExactlyInAnyOrder("told", "qmpConnected", "qmpAnswered",
        "lastError", "setLinkCalls", "announces");
    assertThat(Codecs.LINK_VIEW.decode(Codecs.LINK_VIEW.encode(v))).isEqualTo(v);
    assertThat(v.sameLink(new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "", "qemu", ts.plusSeconds(1), ts, q)))
        .isTrue();
    assertThat(v.sameLink(new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "", "qemu", ts, null))).isFalse();

    // before QEMU first answered: told is null, lastError optional
    LinkView.Qemu fresh = new LinkView.Qemu(null, false, false, null, 0, 0);
    LinkView freshView = new LinkView(true, 1, 7, 1500, 1000, Duplex.FULL, 1, "", "qemu", ts, null, fresh);
    ObjectNode freshJson = tree(Codecs.LINK_VIEW.encode(freshView));
    assertThat(keys((ObjectNode) freshJson.get("qemu"))).containsExactlyInAnyOrder("told", "qmpConnected",
        "qmpAnswered", "setLinkCalls", "announces");
    assertThat(freshJson.get("qemu").get("told").isNull()).isTrue();
    assertThat(Codecs.LINK_VIEW.decode(bytes(freshJson)).qemu()).isEqualTo(fresh);
    ObjectNode toldYes = tree(Codecs.LINK_VIEW.encode(v));
    toldYes.putObject("qemu").put("told", "yes").put("qmpConnected", true).put("qmpAnswered", true)
        .put("setLinkCalls", 0).put("announces", 0);
    assertThatThrownBy(() -> Codecs.LINK_VIEW.decode(bytes(toldYes)))
        .isInstanceOf(InvalidMessageException.class);
    assertThatThrownBy(() -> Codecs.LINK_VIEW.decode(bytes(tree(Codecs.LINK_VIEW.encode(v)).put("qemu", 5))))
        .isInstanceOf(InvalidMessageException.class);
  }
}
