package io.virtnet.agent.netlink;

import static io.virtnet.agent.netlink.NlMessages.attr;
import static io.virtnet.agent.netlink.NlMessages.datagram;
import static io.virtnet.agent.netlink.NlMessages.ethAttrs;
import static io.virtnet.agent.netlink.NlMessages.str;
import static io.virtnet.agent.netlink.NlMessages.u32;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LinkBatchTest {
  private static final int UP_RUNNING_LOWER = 0x1 | 0x2 | 0x40 | 0x1000 | 0x10000;

  @Test
  void newlink_allAttributesParsed() {
    ByteBuffer buf = datagram()
        .link(16, 0, 3, UP_RUNNING_LOWER, ethAttrs("eth0", 1500, "52:54:00:AB:cd:0F", 6, true, 3, 2))
        .buffer();

    LinkBatch b = LinkBatch.parse(buf);

    assertThat(b.malformed()).isZero();
    assertThat(b.done()).isFalse();
    assertThat(b.links()).containsExactly(new LinkMessage(16, 3, "eth0", UP_RUNNING_LOWER, 1500,
        "52:54:00:ab:cd:0f", 6, true, 3, 2, false));
  }

  @Test
  void dumpReply_isMarkedDumpPart_andDoneIsSeen() {
    ByteBuffer buf = datagram()
        .link(16, NlMessages.NLM_F_MULTI, 1, 0x9, str(3, "lo"), u32(4, 65536))
        .link(16, NlMessages.NLM_F_MULTI, 2, 0x1002, str(3, "eth0"), u32(4, 1500))
        .done()
        .buffer();

    LinkBatch b = LinkBatch.parse(buf);

    assertThat(b.done()).isTrue();
    assertThat(b.links()).extracting(LinkMessage::ifname).containsExactly("lo", "eth0");
    assertThat(b.links()).allMatch(LinkMessage::dumpPart);
  }

  @Test
  void missingOptionalAttributes_takeDefaults_andCarrierFallsBackToLowerUp() {
    LinkBatch b = LinkBatch.parse(datagram().link(16, 0, 4, 0x10001, str(3, "tun0")).buffer());

    LinkMessage m = b.links().get(0);
    assertThat(m.carrier()).isNull();
    assertThat(m.carrierOrLowerUp()).isTrue();
    assertThat(m.address()).isEmpty();
    assertThat(m.mtu()).isZero();
    assertThat(m.operstate()).isZero();
  }

  @Test
  void dellink_isDelete() {
    LinkBatch b = LinkBatch.parse(datagram().link(17, 0, 7, 0, str(3, "eth1")).buffer());

    assertThat(b.links()).singleElement().matches(LinkMessage::isDelete);
  }

  @Test
  void nestedAndUnknownAttributes_areSkipped() {
    byte[] nested = attr(0x8000 | 18, new byte[] {8, 0, 1, 0, 'v', 'e', 't', 'h'});
    LinkBatch b = LinkBatch.parse(datagram()
        .link(16, 0, 5, 0, nested, str(3, "eth5"), attr(999, new byte[5]), u32(4, 9000))
        .buffer());

    assertThat(b.links()).singleElement().satisfies(m -> {
      assertThat(m.ifname()).isEqualTo("eth5");
      assertThat(m.mtu()).isEqualTo(9000);
    });
  }

  @Test
  void otherMessageTypes_areIgnored() {
    LinkBatch b = LinkBatch.parse(datagram()
        .raw(20, 0, new byte[8]) // RTM_NEWADDR
        .link(16, 0, 2, 0, str(3, "eth0"))
        .buffer());

    assertThat(b.links()).hasSize(1);
    assertThat(b.malformed()).isZero();
  }

  @Test
  void nlmsgError_reportsPositiveErrno_andAckIsNoError() {
    assertThat(LinkBatch.parse(datagram().error(-16).buffer()).error()).isEqualTo(16);
    assertThat(LinkBatch.parse(datagram().error(0).buffer()).error()).isZero();
  }

  @Test
  void nlmsgLenBeyondDatagram_dropsTheRestAndCounts() {
    byte[] good = datagram().link(16, 0, 2, 0, str(3, "eth0")).toBytes();
    byte[] bad = datagram().link(16, 0, 3, 0, str(3, "eth1")).toBytes();
    ByteBuffer.wrap(bad).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 4096);

    LinkBatch b = LinkBatch.parse(datagram().bytes(good).bytes(bad).buffer());

    assertThat(b.links()).extracting(LinkMessage::ifname).containsExactly("eth0");
    assertThat(b.malformed()).isEqualTo(1);
  }

  @Test
  void nlmsgLenShorterThanHeader_isMalformed_notALoop() {
    byte[] d = datagram().link(16, 0, 2, 0, str(3, "eth0")).toBytes();
    ByteBuffer.wrap(d).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(0, 0);

    LinkBatch b = LinkBatch.parse(ByteBuffer.wrap(d));

    assertThat(b.links()).isEmpty();
    assertThat(b.malformed()).isEqualTo(1);
  }

  @Test
  void truncatedDatagram_isCountedNotThrown() {
    byte[] full = datagram().link(16, 0, 2, 0, ethAttrs("eth0", 1500, "02:00:00:00:00:01", 6, true, 1, 0))
        .toBytes();
    for (int cut = 0; cut < full.length; cut++) {
      LinkBatch b = LinkBatch.parse(ByteBuffer.wrap(Arrays.copyOf(full, cut)));
      assertThat(b.links()).as("cut at %d", cut).isEmpty();
      assertThat(b.malformed()).as("cut at %d", cut).isEqualTo(cut == 0 ? 0 : 1);
    }
  }

  @Test
  void payloadShorterThanIfinfomsg_isMalformed() {
    LinkBatch b = LinkBatch.parse(datagram().raw(16, 0, new byte[8]).buffer());

    assertThat(b.links()).isEmpty();
    assertThat(b.malformed()).isEqualTo(1);
  }

  @Test
  void rtattrLengthBeyondMessage_skipsThatMessageOnly() {
    byte[] badAttr = str(3, "eth9");
    badAttr[0] = (byte) 200;
    LinkBatch b = LinkBatch.parse(datagram()
        .link(16, 0, 9, 0, badAttr)
        .link(16, 0, 2, 0, str(3, "eth0"))
        .buffer());

    assertThat(b.links()).extracting(LinkMessage::ifname).containsExactly("eth0");
    assertThat(b.malformed()).isEqualTo(1);
  }

  @Test
  void rtattrLengthBelowHeader_orShortValues_areMalformed() {
    byte[] zeroLen = str(3, "eth9");
    zeroLen[0] = 2;
    assertThat(LinkBatch.parse(datagram().link(16, 0, 9, 0, zeroLen).buffer()).malformed()).isEqualTo(1);
    assertThat(LinkBatch.parse(datagram().link(16, 0, 9, 0, str(3, "eth9"), attr(4, new byte[2]))
        .buffer()).malformed()).isEqualTo(1);
    assertThat(LinkBatch.parse(datagram().link(16, 0, 9, 0, str(3, "eth9"), attr(33, new byte[0]))
        .buffer()).malformed()).isEqualTo(1);
  }

  @Test
  void messageWithoutIfname_orBadIndex_isMalformed() {
    assertThat(LinkBatch.parse(datagram().link(16, 0, 3, 0, u32(4, 1500)).buffer()).malformed()).isEqualTo(1);
    assertThat(LinkBatch.parse(datagram().link(16, 0, 0, 0, str(3, "eth0")).buffer()).malformed()).isEqualTo(1);
    assertThat(LinkBatch.parse(datagram().link(16, 0, 3, 0, str(3, "eth0"), u32(4, -1)).buffer()).malformed())
        .isEqualTo(1);
  }

  @Test
  void unsignedCounters_areNotNegative() {
    LinkBatch b = LinkBatch.parse(datagram().link(16, 0, 3, 0, str(3, "eth0"), u32(47, 0xFFFF_FFFF)).buffer());

    assertThat(b.links().get(0).carrierUpCount()).isEqualTo(0xFFFF_FFFFL);
  }

  @Test
  void parseStartsAtBufferPosition() {
    byte[] d = datagram().link(16, 0, 3, 0, str(3, "eth0")).toBytes();
    byte[] shifted = new byte[d.length + 3];
    System.arraycopy(d, 0, shifted, 3, d.length);
    ByteBuffer buf = ByteBuffer.wrap(shifted);
    buf.position(3);

    assertThat(LinkBatch.parse(buf).links()).extracting(LinkMessage::ifname).containsExactly("eth0");
  }
}
