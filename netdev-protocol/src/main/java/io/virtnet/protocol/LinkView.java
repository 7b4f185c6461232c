package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A frontend driver's view on {@code vnet/rtos/{cpu}/{instance}/link}. {@code driver} is the driver
 * kind ("virtio" or "qemu"); {@code phyTs} the PHY change the view reflects, when known (for latency).
 */
public record LinkView(
    boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
    String mac, String driver, Instant ts, Instant phyTs) {

  public JsonObject toJson() {
    JsonObject o = new JsonObject()
        .put("carrier", carrier)
        .put("status", status)
        .put("generation", generation)
        .put("mtu", mtu)
        .put("speed", speed == VirtioNetConfig.SPEED_UNKNOWN ? -1 : speed)
        .put("duplex", duplex.wireName())
        .put("announces", announces)
        .put("mac", mac)
        .put("driver", driver)
        .put("ts", ts.toString());
    if (phyTs != null) {
      o.put("phyTs", phyTs.toString());
    }
    return o;
  }

  public Buffer encode() {
    return toJson().toBuffer();
  }

  public static LinkView decode(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    long speed = Json.integer(o, "speed", -1, 0xFFFF_FFFFL);
    return new LinkView(
        Json.bool(o, "carrier"),
        (int) Json.integer(o, "status", 0, 0xFFFF),
        Json.integer(o, "generation", 0, 0xFFFF_FFFFL),
        (int) Json.integer(o, "mtu", 0, 0xFFFF),
        speed < 0 ? VirtioNetConfig.SPEED_UNKNOWN : speed,
        Duplex.ofWireName(Json.string(o, "duplex")),
        Json.integer(o, "announces", 0, Long.MAX_VALUE),
        o.getString("mac", ""),
        o.getString("driver", "virtio"),
        Json.instant(o, "ts"),
        o.getValue("phyTs") == null ? null : Json.instant(o, "phyTs"));
  }
}
