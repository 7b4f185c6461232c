package io.virtnet.protocol;

import static io.virtnet.protocol.TestJson.bytes;
import static io.virtnet.protocol.TestJson.keys;
import static io.virtnet.protocol.TestJson.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Contract revision 2's IRQ message: the list form, and contract 1's single form as input. */
class IrqCodecTest {
  private static final Instant TS = Instant.parse("2026-12-04T19:00:00.500Z");
  private static final Instant PHY_TS = Instant.parse("2026-12-04T19:00:00.123456Z");

  private static String reasonOf(byte[] payload) {
    try {
      Codecs.IRQ.decode(payload);
      return "accepted";
    } catch (InvalidMessageException e) {
      return e.reason();
    }
  }

  @Test
  void singleAndListForms_decodeToTheSameIrqs() {
    IrqMessage single = Codecs.IRQ.decode(bytes("{\"irq\":42,\"instance\":\"virtio-net0\",\"isr\":2,\"generation\":7,"
        + "\"ts\":\"2026-12-04T19:00:00.500Z\",\"phyTs\":\"2026-12-04T19:00:00.123456Z\"}"));
    IrqMessage list = Codecs.IRQ.decode(bytes("{\"v\":1,\"irqs\":[{\"irq\":42,\"instance\":\"virtio-net0\",\"isr\":2,"
        + "\"generation\":7,\"phyTs\":\"2026-12-04T19:00:00.123456Z\"}],\"ts\":\"2026-12-04T19:00:00.500Z\"}"));
    assertThat(list).isEqualTo(single);
    assertThat(single.irqs()).containsExactly(new Irq(42, "virtio-net0", 2, 7, PHY_TS));
    assertThat(single.ts()).isEqualTo(TS);
    // contract 1 without phyTs
    assertThat(Codecs.IRQ.decode(bytes("{\"irq\":43,\"instance\":\"virtio-net1\",\"isr\":2,\"generation\":8,"
        + "\"ts\":\"2026-12-04T19:00:00.500Z\"}")).irqs()).containsExactly(new Irq(43, "virtio-net1", 2, 8, null));
  }

  @Test
  void aListKeepsItsOrder_andRoundTrips() {
    List<Irq> irqs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      irqs.add(new Irq(49 - i, "virtio-net" + (7 - i), VirtioNetConfig.ISR_CONFIG, 100 + i, i % 2 == 0 ? PHY_TS : null));
    }
    IrqMessage m = new IrqMessage(irqs, TS);
    byte[] wire = Codecs.IRQ.encode(m);
    assertThat(Codecs.IRQ.decode(wire)).isEqualTo(m);
    assertThat(Codecs.IRQ.decode(wire).irqs()).extracting(Irq::instance)
        .containsExactly("virtio-net7", "virtio-net6", "virtio-net5", "virtio-net4", "virtio-net3", "virtio-net2",
            "virtio-net1", "virtio-net0");
  }

  @Test
  void encoding_writesTheListFormOfTheContract() {
    IrqMessage m = new IrqMessage(42, "virtio-net0", 2, 7, TS, PHY_TS);
    assertThat(TestJson.text(Codecs.IRQ.encode(m))).isEqualTo("{\"v\":1,\"irqs\":[{\"irq\":42,\"instance\":\"virtio-net0\","
        + "\"isr\":2,\"generation\":7,\"phyTs\":\"2026-12-04T19:00:00.123456Z\"}],\"ts\":\"2026-12-04T19:00:00.500Z\"}");
    ObjectNode withoutPhyTs = tree(Codecs.IRQ.encode(new IrqMessage(42, "virtio-net0", 2, 7, TS, null)));
    assertThat(keys(withoutPhyTs)).containsExactly("v", "irqs", "ts");
    assertThat(keys((ObjectNode) withoutPhyTs.get("irqs").get(0))).containsExactly("irq", "instance", "isr", "generation");
  }

  @Test
  void badLists_areRefusedWithAReason() {
    ObjectNode good = tree(Codecs.IRQ.encode(new IrqMessage(List.of(new Irq(42, "virtio-net0", 2, 7, null),
        new Irq(43, "virtio-net1", 2, 8, null)), TS)));
    assertThat(reasonOf(bytes(good))).isEqualTo("accepted");

    ObjectNode empty = good.deepCopy();
    empty.putArray("irqs");
    assertThat(reasonOf(bytes(empty))).isEqualTo("out-of-range");

    assertThat(reasonOf(bytes(good.deepCopy().put("irqs", "42")))).isEqualTo("wrong-type");
    ObjectNode numbers = good.deepCopy();
    numbers.putArray("irqs").add(42);
    assertThat(reasonOf(bytes(numbers))).isEqualTo("wrong-type");

    ObjectNode badName = good.deepCopy();
    ((ObjectNode) badName.get("irqs").get(1)).put("instance", "virtio/#");
    assertThat(reasonOf(bytes(badName))).isEqualTo("invalid-name");

    ObjectNode badIrq = good.deepCopy();
    ((ObjectNode) badIrq.get("irqs").get(0)).put("irq", 70000);
    assertThat(reasonOf(bytes(badIrq))).isEqualTo("out-of-range");

    ObjectNode noTs = good.deepCopy();
    noTs.remove("ts");
    assertThat(reasonOf(bytes(noTs))).isEqualTo("missing-field");
    assertThat(reasonOf(bytes(good.deepCopy().put("v", 2)))).isEqualTo("schema-version");
    assertThat(reasonOf(bytes("{\"v\":1,\"irqs\":null,\"ts\":\"2026-12-04T19:00:00Z\"}"))).isEqualTo("missing-field");
  }

  @Test
  void aListOfTheMostIrqsFitsTheCap_andOneMoreIsRefused() {
    List<Irq> irqs = new ArrayList<>();
    for (int i = 0; i < IrqMessage.MAX_IRQS; i++) {
      irqs.add(new Irq(65535, "virtio-net-long-instance-name-" + i, 0xFF, 0xFFFF_FFFFL, PHY_TS));
    }
    byte[] wire = Codecs.IRQ.encode(new IrqMessage(irqs, TS));
    assertThat(wire.length).isLessThanOrEqualTo(IrqMessage.MAX_PAYLOAD_BYTES);
    assertThat(Codecs.IRQ.decode(wire).irqs()).hasSize(IrqMessage.MAX_IRQS);

    ObjectNode tooMany = tree(wire);
    ((ArrayNode) tooMany.get("irqs")).addObject().put("irq", 1).put("instance", "x").put("isr", 2).put("generation", 1);
    assertThat(reasonOf(bytes(tooMany))).isIn("out-of-range", "oversize");
    assertThatThrownBy(() -> new IrqMessage(List.of(), TS)).isInstanceOf(InvalidMessageException.class);
  }
}
