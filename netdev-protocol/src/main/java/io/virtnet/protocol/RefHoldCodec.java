package io.virtnet.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** {@link Codecs#REF_HOLD}. */
final class RefHoldCodec implements Codec<RefHold> {
  @Override
  public RefHold decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    return new RefHold(Json.string(o, "holder"), Json.string(o, "node"), Json.instant(o, "ts"));
  }

  @Override
  public byte[] encode(RefHold h) {
    return Json.bytes(Json.newObject().put("holder", h.holder()).put("node", h.node()).put("ts", h.ts().toString()));
  }
}
