package io.virtnet.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Set;

/**
 * The netdev schema (docs/contract.md §4), version {@value #VERSION}: the codecs of the retained
 * state and of the events ({@link Codecs#NETDEV_STATE}, {@link Codecs#NETDEV_EVENT}), and the
 * agent's sequence clock.
 */
public final class NetdevCodec {
  public static final int VERSION = 1;

  private NetdevCodec() {}

  /** A time-based epoch for {@code seq}: microseconds since 1970, so a restarted agent continues above. */
  public static long seqEpoch(Instant now) {
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  static final class StateCodec implements Codec<NetdevState> {
    @Override
    public NetdevState decode(byte[] payload) {
      return stateFrom(Json.parseObject(payload));
    }

    @Override
    public byte[] encode(NetdevState s) {
      return Json.bytes(toJson(s));
    }
  }

  static final class EventCodec implements Codec<NetdevEvent> {
    @Override
    public NetdevEvent decode(byte[] payload) {
      ObjectNode o = Json.parseObject(payload);
      NetdevCmd cmd = Json.enumValue(o, "event", NetdevCmd.class);
      long seq = Json.integer(o, "seq", 1, Long.MAX_VALUE);
      NetdevState state = stateFrom(o);
      String old = Json.optString(o, "oldIfname");
      if (old != null) {
        Names.requireIfname(old);
      }
      return new NetdevEvent(cmd, seq, state, old);
    }

    @Override
    public byte[] encode(NetdevEvent e) {
      ObjectNode o = toJson(e.state());
      o.put("event", e.event().name()).put("seq", e.seq());
      if (e.oldIfname() != null) {
        o.put("oldIfname", e.oldIfname());
      }
      return Json.bytes(o);
    }
  }

  private static ObjectNode toJson(NetdevState s) {
    ObjectNode o = Json.newObject();
    o.put("v", VERSION)
        .put("agent", s.agent())
        .put("ifname", s.ifname())
        .put("ifindex", s.ifindex());
    ArrayNode flags = o.putArray("flags");
    for (IfFlag f : s.flags()) {
      flags.add(f.name());
    }
    o.put("operstate", s.operstate().name())
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

  private static NetdevState stateFrom(ObjectNode o) {
    long v = Json.integer(o, "v", 0, Integer.MAX_VALUE);
    if (v != VERSION) {
      throw InvalidMessageException.of("schema-version", "schema version " + v + " is not supported (want " + VERSION + ")");
    }
    String agent = Json.string(o, "agent");
    Names.requireInstance(agent);
    String ifname = Names.requireIfname(Json.string(o, "ifname"));
    Set<IfFlag> flags = EnumSet.noneOf(IfFlag.class);
    for (JsonNode f : Json.array(o, "flags")) {
      if (!f.isTextual()) {
        throw InvalidMessageException.of("wrong-type", "field 'flags' must hold strings");
      }
      String name = f.textValue();
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
}
