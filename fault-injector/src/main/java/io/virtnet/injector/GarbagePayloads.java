package io.virtnet.injector;

import static io.virtnet.injector.GarbageMutations.pick;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.injector.GarbageGenerator.Target;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * What the garbage starts from, per message kind: a valid payload of each kind the services read,
 * the fields each kind requires, and a value each kind does not know. Pure and seeded.
 */
final class GarbagePayloads {
  /** The fixed timestamp of generated payloads, so that output depends on the seed alone. */
  private static final Instant BASE_TS = Instant.parse("2026-01-01T00:00:00Z");

  private final Target target;

  GarbagePayloads(Target target) {
    this.target = target;
  }

  /** A valid payload of {@code kind}, the starting point of most categories. */
  JsonObject baseline(TopicKind kind, Random r) {
    Instant ts = BASE_TS.plusMillis(r.nextInt(86_400_000));
    return switch (kind) {
      case CMD -> pick(r, List.of(
          new JsonObject().put("op", "carrier").put("value", r.nextBoolean()),
          new JsonObject().put("op", "admin").put("value", r.nextBoolean()),
          new JsonObject().put("op", "mtu").put("value", 1500),
          new JsonObject().put("op", "speed").put("value", 1000)));
      case STATE -> json(Codecs.NETDEV_STATE.encode(state(ts, r)));
      // A low seq: should a broken receiver accept the event anyway, it is older than any real one.
      case EVENT -> json(Codecs.NETDEV_EVENT.encode(new NetdevEvent(NetdevCmd.NETDEV_CHANGE, 1 + r.nextInt(1000), state(ts, r), null)));
      case REF -> json(Codecs.REF_HOLD.encode(new RefHold(target.holder(), target.node(), ts)));
      case AGENT_STATUS, BACKEND_STATUS -> json(Codecs.SERVICE_STATUS.encode(new ServiceStatus(r.nextBoolean(), ts)));
      case DEVICE -> new JsonObject()
          .put("instance", target.instance())
          .put("cpu", target.cpu())
          .put("irq", 32 + r.nextInt(64))
          .put("deviceFeatures", new JsonArray().add("STATUS").add("CTRL_VQ").add("GUEST_ANNOUNCE"))
          .put("phy", target.ifname())
          .put("agent", target.agent());
      case CONFIG -> new JsonObject(); // binary: the categories build their own bytes
      case CTRL -> r.nextBoolean()
          ? new JsonObject().put("class", 3).put("cmd", 0)
          : new JsonObject().put("driverFeatures", new JsonArray().add("STATUS"));
      // contract 1's single form, still valid input: the forgeries mutate its fields
      case IRQ -> new JsonObject().put("irq", 32 + r.nextInt(64)).put("instance", target.instance()).put("isr", 2)
          .put("generation", r.nextInt(1000)).put("ts", ts.toString());
    };
  }

  private static JsonObject json(byte[] payload) {
    return new JsonObject(Buffer.buffer(payload));
  }

  private NetdevState state(Instant ts, Random r) {
    boolean carrier = r.nextBoolean();
    Set<IfFlag> flags = EnumSet.of(IfFlag.UP, IfFlag.BROADCAST, IfFlag.MULTICAST);
    if (carrier) {
      flags.add(IfFlag.RUNNING);
      flags.add(IfFlag.LOWER_UP);
    }
    return new NetdevState(target.agent(), target.ifname(), 2, flags, carrier ? OperState.UP : OperState.DOWN,
        carrier, 1500, "52:54:00:12:34:56", 1000, Duplex.FULL, 3, 2, RegState.REGISTERED, ts, 1 + r.nextInt(1000));
  }

  static List<String> requiredFields(TopicKind kind) {
    return switch (kind) {
      case CMD -> List.of("op", "value");
      case STATE -> List.of("v", "agent", "ifname", "flags", "operstate", "carrier", "mtu", "address", "reg", "ts");
      case EVENT -> List.of("event", "seq", "v", "carrier", "flags", "ifname");
      case REF -> List.of("holder", "node", "ts");
      case AGENT_STATUS, BACKEND_STATUS -> List.of("state");
      case DEVICE -> List.of("instance", "cpu", "irq", "deviceFeatures", "phy", "agent");
      case CTRL -> List.of("class", "cmd");
      case IRQ -> List.of("irq", "instance", "isr", "generation", "ts");
      case CONFIG -> List.of();
    };
  }

  /** Puts a value {@code kind} does not know into {@code base}; returns what it did. */
  String unknownValue(TopicKind kind, JsonObject base, Random r) {
    switch (kind) {
      case CMD -> {
        String op = pick(r, List.of("explode", "reboot", "CARRIER ", "carrier2"));
        base.put("op", op);
        return "unknown op '" + op + "'";
      }
      case STATE -> {
        String key = pick(r, List.of("operstate", "reg", "duplex", "flags"));
        if (key.equals("flags")) {
          base.put("flags", new JsonArray().add("UP").add("WARP_SPEED"));
        } else {
          base.put(key, pick(r, List.of("SIDEWAYS", "ZOMBIE", "triple")));
        }
        return "unknown " + key + " value";
      }
      case EVENT -> {
        String ev = pick(r, List.of("NETDEV_BOGUS", "NETDEV_", "netdev_change", "NETDEV_CHANGE_CARRIER"));
        base.put("event", ev);
        return "unknown event '" + ev + "'";
      }
      case REF -> {
        base.put("node", "NODE#1");
        return "node name breaks the instance rule";
      }
      case AGENT_STATUS, BACKEND_STATUS -> {
        String st = pick(r, List.of("sleeping", "ONLINE", "maybe"));
        base.put("state", st);
        return "unknown state '" + st + "'";
      }
      case DEVICE -> {
        if (r.nextBoolean()) {
          base.put("deviceFeatures", new JsonArray().add("STATUS").add("WARP_DRIVE"));
          return "unknown feature WARP_DRIVE";
        }
        base.put("frontend", new JsonObject().put("kind", "xen").put("qmp", "unix:/tmp/x").put("device", "nic0"));
        return "unknown frontend kind 'xen'";
      }
      case CTRL -> {
        base.clear();
        base.put("driverFeatures", new JsonArray().add("STATUS").add("TELEPORT"));
        return "unknown driver feature TELEPORT";
      }
      case IRQ -> {
        base.put("instance", "Virtio Net 0");
        return "instance name breaks the instance rule";
      }
      default -> throw new IllegalStateException(kind.name());
    }
  }

  /** A valid wire config (generation + virtio_net_config) with a random MAC and generation. */
  static byte[] configBytes(Random r) {
    byte[] mac = {0x52, 0x54, 0x00, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256)};
    VirtioNetConfig cfg = new VirtioNetConfig(mac, VirtioNetConfig.S_LINK_UP, 1, 1500, 1000, Duplex.FULL.virtioByte(), 0, 0, 0);
    return cfg.encodeWire(r.nextInt(1_000_000));
  }

}
