package io.virtnet.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/** {@link Codecs#SERVICE_STATUS}: a status without {@code ts} decodes with {@link Instant#EPOCH}. */
final class ServiceStatusCodec implements Codec<ServiceStatus> {
  @Override
  public ServiceStatus decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    String state = Json.string(o, "state");
    if (!state.equals("online") && !state.equals("offline")) {
      throw InvalidMessageException.of("unknown-value", "state must be online or offline, got '" + Names.printable(state) + "'");
    }
    Instant ts = Json.has(o, "ts") ? Json.instant(o, "ts") : Instant.EPOCH;
    return new ServiceStatus(state.equals("online"), ts);
  }

  @Override
  public byte[] encode(ServiceStatus s) {
    return Json.bytes(Json.newObject().put("state", s.online() ? "online" : "offline").put("ts", s.ts().toString()));
  }
}
