package io.virtnet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@link Codecs#LINK_VIEW}. {@code phyTs} and the VM extension ({@code qemu} or {@code libvirt}) are optional (and {@code mac}, {@code driver}
 * default to "" and "virtio"), so views of older frontends still decode.
 */
final class LinkViewCodec implements Codec<LinkView> {
  @Override
  public LinkView decode(byte[] payload) {
    ObjectNode o = Json.parseObject(payload);
    long speed = Json.integer(o, "speed", -1, 0xFFFF_FFFFL);
    Duplex duplex;
    try {
      duplex = Duplex.ofWireName(Json.string(o, "duplex"));
    } catch (IllegalArgumentException e) {
      throw InvalidMessageException.of("unknown-value", e.getMessage());
    }
    return new LinkView(
        Json.bool(o, "carrier"),
        (int) Json.integer(o, "status", 0, 0xFFFF),
        Json.integer(o, "generation", 0, 0xFFFF_FFFFL),
        (int) Json.integer(o, "mtu", 0, 0xFFFF),
        speed < 0 ? VirtioNetConfig.SPEED_UNKNOWN : speed,
        duplex,
        Json.integer(o, "announces", 0, Long.MAX_VALUE),
        Json.optString(o, "mac", ""),
        Json.optString(o, "driver", "virtio"),
        Json.instant(o, "ts"),
        Json.optInstant(o, "phyTs"),
        Json.has(o, "qemu") ? qemuFrom(Json.object(o, "qemu"))
            : Json.has(o, "libvirt") ? libvirtFrom(Json.object(o, "libvirt")) : null);
  }

  private static LinkView.Qemu qemuFrom(ObjectNode o) {
    return new LinkView.Qemu(told(o, "qemu"), Json.bool(o, "qmpConnected"),
        Json.bool(o, "qmpAnswered"), Json.optString(o, "lastError"), Json.integer(o, "setLinkCalls", 0, Long.MAX_VALUE),
        Json.integer(o, "announces", 0, Long.MAX_VALUE));
  }

  private static LinkView.Libvirt libvirtFrom(ObjectNode o) {
    return new LinkView.Libvirt(told(o, "libvirt"), Json.bool(o, "connected"), Json.string(o, "domainState"),
        Json.optString(o, "lastError"), Json.integer(o, "setLinkCalls", 0, Long.MAX_VALUE),
        Json.integer(o, "announces", 0, Long.MAX_VALUE));
  }

  private static Boolean told(ObjectNode o, String parent) {
    JsonNode told = Json.value(o, "told");
    if (told != null && !told.isBoolean()) {
      throw InvalidMessageException.of("wrong-type", "field '" + parent + ".told' must be true, false or null");
    }
    return told == null ? null : told.booleanValue();
  }

  private static void putTold(ObjectNode o, Boolean told) {
    if (told == null) {
      o.putNull("told");
    } else {
      o.put("told", told);
    }
  }

  @Override
  public byte[] encode(LinkView v) {
    ObjectNode o = Json.newObject()
        .put("carrier", v.carrier())
        .put("status", v.status())
        .put("generation", v.generation())
        .put("mtu", v.mtu())
        .put("speed", v.speed() == VirtioNetConfig.SPEED_UNKNOWN ? -1 : v.speed())
        .put("duplex", v.duplex().wireName())
        .put("announces", v.announces())
        .put("mac", v.mac())
        .put("driver", v.driver())
        .put("ts", v.ts().toString());
    if (v.phyTs() != null) {
      o.put("phyTs", v.phyTs().toString());
    }
    if (v.vmNic() instanceof LinkView.Qemu q) {
      ObjectNode qo = o.putObject(q.key());
      putTold(qo, q.told());
      qo.put("qmpConnected", q.qmpConnected())
          .put("qmpAnswered", q.qmpAnswered())
          .put("setLinkCalls", q.setLinkCalls())
          .put("announces", q.announces());
      if (q.lastError() != null) {
        qo.put("lastError", q.lastError());
      }
    } else if (v.vmNic() instanceof LinkView.Libvirt l) {
      ObjectNode lo = o.putObject(l.key());
      putTold(lo, l.told());
      lo.put("connected", l.connected())
          .put("domainState", l.domainState())
          .put("setLinkCalls", l.setLinkCalls())
          .put("announces", l.announces());
      if (l.lastError() != null) {
        lo.put("lastError", l.lastError());
      }
    }
    return Json.bytes(o);
  }
}
