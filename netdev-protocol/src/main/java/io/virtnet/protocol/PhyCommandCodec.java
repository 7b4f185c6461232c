package io.virtnet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** {@link Codecs#PHY_COMMAND}: {@code {"op":"carrier","value":false}}. */
final class PhyCommandCodec implements Codec<PhyCommand> {
  @Override
  public PhyCommand decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    String opName = Json.string(o, "op");
    PhyCommand.Op op;
    try {
      op = PhyCommand.Op.valueOf(opName.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw InvalidMessageException.of("unknown-value", "unknown op '" + Names.printable(opName)
          + "'; ops: carrier, admin, mtu, address, speed, register, unregister, rename");
    }
    JsonNode value = Json.value(o, "value");
    if (op != PhyCommand.Op.REGISTER && op != PhyCommand.Op.UNREGISTER && value == null) {
      throw InvalidMessageException.of("missing-field", "field 'value' is missing for op " + op.wireName());
    }
    return new PhyCommand(op, value == null ? null : plain(value));
  }

  /** Boolean, Integer or String as the record checks them; any other JSON value is kept as its type name. */
  private static Object plain(JsonNode v) {
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isInt()) {
      return v.intValue();
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    return new Other(Json.typeName(v));
  }

  /** A value of a JSON type no op takes (a number beyond int, an object, …): the record refuses it. */
  private record Other(String jsonType) {
    @Override
    public String toString() {
      return jsonType;
    }
  }

  @Override
  public byte[] encode(PhyCommand c) {
    ObjectNode o = Json.newObject().put("op", c.op().wireName());
    Object value = c.value();
    if (value instanceof Boolean b) {
      o.put("value", b);
    } else if (value instanceof Integer i) {
      o.put("value", i);
    } else if (value instanceof String s) {
      o.put("value", s);
    }
    return Json.bytes(o);
  }
}
