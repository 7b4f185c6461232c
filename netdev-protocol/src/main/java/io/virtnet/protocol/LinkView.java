package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * A frontend driver's view on {@code vnet/rtos/{cpu}/{instance}/link}. {@code driver} is the driver
 * kind ("virtio" or "qemu"); {@code phyTs} the PHY change the view reflects, when known (for latency);
 * {@code qemu} is present only for a QEMU-bound device (see {@link Qemu}).
 */
public record LinkView(
    boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
    String mac, String driver, Instant ts, Instant phyTs, Qemu qemu) {

  /**
   * The extra state of a QEMU-bound device's driver: what the VM's NIC was last told over QMP
   * ({@code told}, null before QEMU first answered; the view's {@code carrier} follows it), whether
   * a QMP session is up and the last call was answered, the last error, and call counters.
   */
  public record Qemu(Boolean told, boolean qmpConnected, boolean qmpAnswered, String lastError,
      long setLinkCalls, long announces) {

    public JsonObject toJson() {
      JsonObject o = new JsonObject()
          .put("told", told)
          .put("qmpConnected", qmpConnected)
          .put("qmpAnswered", qmpAnswered)
          .put("setLinkCalls", setLinkCalls)
          .put("announces", announces);
      if (lastError != null) {
        o.put("lastError", lastError);
      }
      return o;
    }

    public static Qemu fromJson(JsonObject o) {
      Object told = o.getValue("told");
      if (told != null && !(told instanceof Boolean)) {
        throw InvalidMessageException.of("wrong-type", "field 'qemu.told' must be true, false or null");
      }
      return new Qemu((Boolean) told, Json.bool(o, "qmpConnected"), Json.bool(o, "qmpAnswered"),
          Json.optString(o, "lastError"), Json.integer(o, "setLinkCalls", 0, Long.MAX_VALUE),
          Json.integer(o, "announces", 0, Long.MAX_VALUE));
    }
  }

  /** A view without the QEMU extension (the reference virtio driver's). */
  public LinkView(boolean carrier, int status, long generation, int mtu, long speed, Duplex duplex, long announces,
      String mac, String driver, Instant ts, Instant phyTs) {
    this(carrier, status, generation, mtu, speed, duplex, announces, mac, driver, ts, phyTs, null);
  }

  /** Whether {@code other} shows the same link, ignoring the timestamps {@code ts} and {@code phyTs}. */
  public boolean sameLink(LinkView other) {
    return other != null && carrier == other.carrier && status == other.status && generation == other.generation
        && mtu == other.mtu && speed == other.speed && duplex == other.duplex && announces == other.announces
        && mac.equals(other.mac) && driver.equals(other.driver) && java.util.Objects.equals(qemu, other.qemu);
  }

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
    if (qemu != null) {
      o.put("qemu", qemu.toJson());
    }
    return o;
  }

  public Buffer encode() {
    return toJson().toBuffer();
  }

  /** Decodes a view; {@code phyTs} and {@code qemu} are optional, so views of older frontends still decode. */
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
        o.getValue("phyTs") == null ? null : Json.instant(o, "phyTs"),
        o.getValue("qemu") == null ? null : Qemu.fromJson(Json.object(o, "qemu")));
  }
}
