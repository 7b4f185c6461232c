package io.virtnet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link Codecs#IRQ}, contract revision 2: writes the list form
 * {@code {"v":1,"irqs":[{"irq":42,"instance":…,"isr":2,"generation":7,"phyTs":…},…],"ts":…}}; reads
 * it and contract 1's single form {@code {"irq":42,"instance":…,"isr":2,"generation":7,"ts":…}},
 * both into the same list of {@link Irq}s, in order.
 */
final class IrqCodec implements Codec<IrqMessage> {
  @Override
  public IrqMessage decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload, IrqMessage.MAX_PAYLOAD_BYTES);
    if (!o.has("irqs")) {
      return new IrqMessage(List.of(irqFrom(o)), Json.instant(o, "ts"));
    }
    ArrayNode list = Json.array(o, "irqs");
    if (list.isEmpty() || list.size() > IrqMessage.MAX_IRQS) {
      throw InvalidMessageException.of("out-of-range",
          "field 'irqs' lists " + list.size() + " irqs, allowed 1.." + IrqMessage.MAX_IRQS);
    }
    List<Irq> irqs = new ArrayList<>(list.size());
    for (JsonNode element : list) {
      if (!(element instanceof ObjectNode e)) {
        throw InvalidMessageException.of("wrong-type",
            "field 'irqs' must hold objects, got " + Json.typeName(element));
      }
      irqs.add(irqFrom(e));
    }
    return new IrqMessage(irqs, Json.instant(o, "ts"));
  }

  private static Irq irqFrom(ObjectNode o) {
    return new Irq(
        (int) Json.integer(o, "irq", 0, 65535),
        Json.string(o, "instance"),
        (int) Json.integer(o, "isr", 0, 255),
        Json.integer(o, "generation", 0, 0xFFFF_FFFFL),
        Json.optInstant(o, "phyTs"));
  }

  @Override
  public byte[] encode(IrqMessage m) {
    ObjectNode o = Json.newObject().put("v", NetdevCodec.VERSION);
    ArrayNode list = o.putArray("irqs");
    for (Irq irq : m.irqs()) {
      ObjectNode e = list.addObject()
          .put("irq", irq.irq())
          .put("instance", irq.instance())
          .put("isr", irq.isr())
          .put("generation", irq.generation());
      if (irq.phyTs() != null) {
        e.put("phyTs", irq.phyTs().toString());
      }
    }
    o.put("ts", m.ts().toString());
    return Json.bytes(o);
  }
}
