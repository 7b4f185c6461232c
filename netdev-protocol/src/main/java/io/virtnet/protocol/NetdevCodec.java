package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

/** JSON codec for netdev state and events (DESIGN.md section 4), schema version {@value #VERSION}. */
public final class NetdevCodec {
  public static final int VERSION = 1;
  /** {@link #decodeState} as one shared instance, so subscribers of one message can share its decode. */
  public static final Function<Buffer, NetdevState> STATE_DECODER = NetdevCodec::decodeState;
  /** {@link #decodeEvent} as one shared instance, so subscribers of one message can share its decode. */
  public static final Function<Buffer, NetdevEvent> EVENT_DECODER = NetdevCodec::decodeEvent;

  private NetdevCodec() {}

  public static JsonObject toJson(NetdevState s) {
    JsonArray flags = new JsonArray();
    for (IfFlag f : s.flags()) {
      flags.add(f.name());
    }
    JsonObject o = new JsonObject()
        .put("v", VERSION)
        .put("agent", s.agent())
        .put("ifname", s.ifname())
        .put("ifindex", s.ifindex())
        .put("flags", flags)
        .put("operstate", s.operstate().name())
        .put("carrier", s.carrier())
        .put("mtu", s.mtu())
        .put("address", s.address())
        .put("speed", s.speed())
        .put("duplex", s.duplex().wireName())
        .put("carrierUpCount", s.carrierUpCount())
        .put("carrierDownCount", s.carrierDownCount())
        .put("reg", s.reg().name())
        .put("ts", s.ts().toString());
    if (s.seq() > 0) {
      o.put("seq", s.seq());
    }
    return o;
  }

  public static JsonObject toJson(NetdevEvent e) {
    JsonObject o = toJson(e.state());
    o.put("event", e.event().name()).put("seq", e.seq());
    if (e.oldIfname() != null) {
      o.put("oldIfname", e.oldIfname());
    }
    return o;
  }

  public static Buffer encode(NetdevState s) {
    return toJson(s).toBuffer();
  }

  public static Buffer encode(NetdevEvent e) {
    return toJson(e).toBuffer();
  }

  /** Decodes a retained state payload; throws {@link InvalidMessageException} on any breach. */
  public static NetdevState decodeState(Buffer payload) {
    return stateFrom(Json.parseObject(payload));
  }

  /** Decodes an event payload; throws {@link InvalidMessageException} on any breach. */
  public static NetdevEvent decodeEvent(Buffer payload) {
    JsonObject o = Json.parseObject(payload);
    NetdevCmd cmd = Json.enumValue(o, "event", NetdevCmd.class);
    long seq = Json.integer(o, "seq", 1, Long.MAX_VALUE);
    NetdevState state = stateFrom(o);
    String old = Json.optString(o, "oldIfname");
    if (old != null) {
      Names.requireIfname(old);
    }
    return new NetdevEvent(cmd, seq, state, old);
  }

  static NetdevState stateFrom(JsonObject o) {
    long v = Json.integer(o, "v", 0, Integer.MAX_VALUE);
    if (v != VERSION) {
      throw InvalidMessageException.of("schema-version", "schema version " + v + " is not supported (want " + VERSION + ")");
    }
    String agent = Json.string(o, "agent");
    Names.requireInstance(agent);
    String ifname = Names.requireIfname(Json.string(o, "ifname"));
    JsonArray flagArray = Json.array(o, "flags");
    Set<IfFlag> flags = EnumSet.noneOf(IfFlag.class);
    for (Object f : flagArray) {
      if (!(f instanceof String name)) {
        throw InvalidMessageException.of("wrong-type", "field 'flags' must hold strings");
      }
      try {
        flags.add(IfFlag.valueOf(name));
      } catch (IllegalArgumentException e) {
        throw InvalidMessageException.of("unknown-value", "unknown flag '" + Names.printable(name) + "'");
      }
    }
    String duplexName = Json.string(o, "duplex");
    Duplex duplex;
    try {
      duplex = Duplex.ofWireName(duplexName);
    } catch (IllegalArgumentException e) {
      throw InvalidMessageException.of("unknown-value", e.getMessage());
    }
    String address = Json.string(o, "address");
    if (address.length() > 64) {
      throw InvalidMessageException.of("out-of-range", "address longer than 64 characters");
    }
    return new NetdevState(
        agent,
        ifname,
        (int) Json.integer(o, "ifindex", 0, Integer.MAX_VALUE),
        flags,
        Json.enumValue(o, "operstate", OperState.class),
        Json.bool(o, "carrier"),
        (int) Json.integer(o, "mtu", 0, 0xFFFFFF),
        address,
        (int) Json.integer(o, "speed", -1, Integer.MAX_VALUE),
        duplex,
        Json.integer(o, "carrierUpCount", 0, Long.MAX_VALUE),
        Json.integer(o, "carrierDownCount", 0, Long.MAX_VALUE),
        Json.enumValue(o, "reg", RegState.class),
        Json.instant(o, "ts"),
        Json.optInteger(o, "seq", 1, Long.MAX_VALUE, 0));
  }

  /** A time-based epoch for {@code seq}: microseconds since 1970, so a restarted agent continues above. */
  public static long seqEpoch(Instant now) {
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }
}
