package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** A reference ({@code dev_hold}) on {@code vnet/phy/{agent}/{ifname}/ref/{holder}}; an empty payload is the put. */
public record RefHold(String holder, String node, Instant ts) {
  public RefHold {
    Names.requireInstance(holder);
    Names.requireInstance(node);
  }

  public Buffer encode() {
    return new JsonObject().put("holder", holder).put("node", node).put("ts", ts.toString()).toBuffer();
  }

  public static RefHold decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    return new RefHold(Json.string(o, "holder"), Json.string(o, "node"), Json.instant(o, "ts"));
  }
}
