package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/** {@code {"state":"online"|"offline","ts":…}} on an agent's or backend's status topic. */
public record ServiceStatus(boolean online, Instant ts) {
  public Buffer encode() {
    return new JsonObject().put("state", online ? "online" : "offline").put("ts", ts.toString()).toBuffer();
  }

  public static ServiceStatus decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    String state = Json.string(o, "state");
    if (!state.equals("online") && !state.equals("offline")) {
      throw InvalidMessageException.of("unknown-value", "state must be online or offline, got '" + Names.printable(state) + "'");
    }
    Instant ts = o.getValue("ts") == null ? Instant.EPOCH : Json.instant(o, "ts");
    return new ServiceStatus(state.equals("online"), ts);
  }
}
