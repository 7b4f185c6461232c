package io.virtnet.injector;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.IfFlag;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.OperState;
import io.virtnet.protocol.RefHold;
import io.virtnet.protocol.RegState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioNetConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * Deterministic hostile input for every topic the services read: the same seed, target and count
 * always give the same items, byte for byte. Pure: it builds messages, it publishes nothing.
 *
 * <p>Items are never meant to be retained (the retained store would keep the garbage for every later
 * subscriber), so {@link Item} has no retain flag: the publisher sends them all with retain off.
 * The first {@code max(categories, kinds)} items cover every category and every topic kind; later
 * rounds shift the pairing so that {@code categories × kinds} items cover every pair.
 */
public final class GarbageGenerator {

  /** The fixed timestamp of generated payloads, so that output depends on the seed alone. */
  private static final Instant BASE_TS = Instant.parse("2026-01-01T00:00:00Z");

  /** What is wrong with an item. */
  public enum Category {
    MALFORMED_JSON,
    WRONG_TYPE,
    OVERSIZE,
    /** A name that is a legal MQTT topic level but breaks {@code dev_valid_name} or the instance rule. */
    INVALID_NAME,
    /** {@code +} or {@code #} in a topic name: MQTT forbids it, so the client must refuse to publish. */
    WILDCARD_NAME,
    /** Unknown event, op, enum value or feature. */
    UNKNOWN_VALUE,
    BAD_UTF8,
    EMPTY,
    WRONG_VERSION,
    MISSING_FIELD;

    public String label() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  /** The topics the services read (DESIGN.md section 4). */
  public enum TopicKind {
    CMD("cmd"),
    STATE("state"),
    EVENT("event"),
    REF("ref"),
    AGENT_STATUS("agent-status"),
    BACKEND_STATUS("backend-status"),
    DEVICE("device"),
    CONFIG("config"),
    CTRL("ctrl"),
    IRQ("irq");

    private final String label;

    TopicKind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    /** Parses a label such as {@code agent-status}; throws IllegalArgumentException listing the labels. */
    public static TopicKind ofLabel(String s) {
      for (TopicKind k : values()) {
        if (k.label.equals(s.trim())) {
          return k;
        }
      }
      throw new IllegalArgumentException("unknown topic kind '" + s + "'; kinds: " + labels());
    }

    public static String labels() {
      return String.join(",", Arrays.stream(values()).map(TopicKind::label).toList());
    }
  }

  /** The names used in the topics' valid slots. */
  public record Target(String prefix, String agent, String ifname, String holder, String node, String instance, int cpu) {
    public Target {
      Topics topics = Topics.of(prefix);
      // Building every topic once validates every name.
      topics.phyRef(agent, ifname, holder);
      topics.backendStatus(node);
      topics.virtioDevice(instance);
      topics.rtosIrq(cpu);
    }
  }

  /**
   * One hostile message. {@code expectRefused} marks topics the MQTT client must refuse (wildcards);
   * {@code note} says in a few words what is wrong.
   */
  public record Item(int index, Category category, TopicKind kind, String topic, byte[] payload, boolean expectRefused, String note) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Item i && index == i.index && category == i.category && kind == i.kind
          && topic.equals(i.topic) && Arrays.equals(payload, i.payload) && expectRefused == i.expectRefused
          && note.equals(i.note);
    }

    @Override
    public int hashCode() {
      return Objects.hash(index, category, kind, topic, Arrays.hashCode(payload));
    }

    @Override
    public String toString() {
      return "#" + index + " " + category.label() + " " + kind.label() + " " + topic + " (" + payload.length + " bytes: " + note + ")";
    }
  }

  private static final List<String> BAD_IFNAMES = List.of(
      "abcdefghijklmnop", // 16 bytes: one more than IFNAMSIZ - 1
      "..",
      ".",
      "eth0:1",
      "eth 0",
      "ethernet-\u03b4\u03b4\u03b4\u03b4", // 17 bytes in UTF-8
      "eth\uFFFD");
  private static final List<String> BAD_INSTANCE_NAMES = List.of(
      "Linux0", "-agent", "a".repeat(64), "..", "node:1", "node 1", "\u00e9t\u00e9");
  private static final List<String> BAD_CPUS = List.of("4096", "-1", "two", "99999", "0x2");
  private static final List<String> WILDCARD_NAMES = List.of("+", "#", "eth+", "eth#0", "a+b");
  private static final List<byte[]> BAD_UTF8 = List.of(
      new byte[] {(byte) 0xC3, 0x28}, // invalid continuation
      new byte[] {(byte) 0xFF, (byte) 0xFE}, // never valid in UTF-8
      new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate U+D800
      new byte[] {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}); // 5-byte form

  private final Target target;
  private final List<TopicKind> kinds;

  private GarbageGenerator(Target target, Set<TopicKind> kinds) {
    this.target = target;
    if (kinds.isEmpty()) {
      throw new IllegalArgumentException("at least one topic kind is needed");
    }
    this.kinds = List.copyOf(EnumSet.copyOf(kinds));
  }

  public static GarbageGenerator create(Target target, Set<TopicKind> kinds) {
    return new GarbageGenerator(target, kinds);
  }

  public static GarbageGenerator create(Target target) {
    return new GarbageGenerator(target, EnumSet.allOf(TopicKind.class));
  }

  /** {@code count} items for {@code seed}; the same arguments always give equal lists. */
  public List<Item> generate(long seed, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0");
    }
    Random random = new Random(seed);
    List<Category> cats = new ArrayList<>(List.of(Category.values()));
    List<TopicKind> ks = new ArrayList<>(kinds);
    Collections.shuffle(cats, random);
    Collections.shuffle(ks, random);
    int c = cats.size();
    int k = ks.size();
    int round = Math.max(c, k);
    List<Item> items = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      Category category = cats.get(i % c);
      TopicKind kind = ks.get((i + i / round) % k);
      items.add(item(i, category, kind, random));
    }
    return items;
  }

  private Item item(int index, Category category, TopicKind kind, Random r) {
    String topic = topic(kind, null, null);
    JsonObject base = baseline(kind, r);
    byte[] payload;
    String note;
    boolean refused = false;
    switch (category) {
      case MALFORMED_JSON -> {
        String[] variant = malformed(kind, base, r);
        payload = utf8(variant[0]);
        note = variant[1];
      }
      case WRONG_TYPE -> {
        if (kind == TopicKind.CONFIG) {
          payload = bytes(r, 3 + r.nextInt(20));
          note = "binary config of the wrong size";
        } else {
          String key = pick(r, List.copyOf(base.fieldNames()));
          Object old = base.getValue(key);
          Object replacement = wrongType(old, r);
          base.put(key, replacement);
          payload = base.toBuffer().getBytes();
          note = "'" + key + "' is " + typeName(replacement) + " instead of " + typeName(old);
        }
      }
      case OVERSIZE -> {
        // the IRQ topic's cap is larger: it lists up to IrqMessage.MAX_IRQS interrupts
        int cap = kind == TopicKind.IRQ ? IrqMessage.MAX_PAYLOAD_BYTES : Codecs.MAX_PAYLOAD_BYTES;
        int size = cap + 1 + r.nextInt(4000);
        if (kind == TopicKind.CONFIG) {
          payload = bytes(r, size);
        } else {
          base.put("pad", "");
          int overhead = base.toBuffer().length();
          base.put("pad", "x".repeat(Math.max(0, size - overhead)));
          payload = base.toBuffer().getBytes();
        }
        note = payload.length + " bytes, cap " + cap;
      }
      case INVALID_NAME, WILDCARD_NAME -> {
        String[] slotAndName = hostileName(kind, category == Category.WILDCARD_NAME, r);
        topic = topic(kind, slotAndName[0], slotAndName[1]);
        payload = kind == TopicKind.CONFIG ? configBytes(r) : base.toBuffer().getBytes();
        refused = category == Category.WILDCARD_NAME;
        note = slotAndName[0] + " '" + slotAndName[1] + "'";
      }
      case UNKNOWN_VALUE -> {
        if (kind == TopicKind.CONFIG) {
          byte[] cfg = configBytes(r);
          cfg[4 + VirtioNetConfig.OFFSET_STATUS] = (byte) 0xFF; // status bits no spec defines
          cfg[4 + VirtioNetConfig.OFFSET_STATUS + 1] = (byte) 0xFF;
          cfg[4 + VirtioNetConfig.OFFSET_DUPLEX] = 0x7F; // neither half, full nor unknown
          payload = cfg;
          note = "status 0xffff, duplex 0x7f";
        } else {
          note = unknownValue(kind, base, r);
          payload = base.toBuffer().getBytes();
        }
      }
      case BAD_UTF8 -> {
        byte[] bad = BAD_UTF8.get(r.nextInt(BAD_UTF8.size()));
        payload = badUtf8(base, bad, r);
        note = "invalid UTF-8 " + hex(bad) + " inside a string";
      }
      case EMPTY -> {
        payload = new byte[0];
        note = "empty payload, not retained";
      }
      case WRONG_VERSION -> {
        if (kind == TopicKind.CONFIG) {
          payload = Arrays.copyOf(configBytes(r), VirtioNetConfig.WIRE_SIZE + 8 + r.nextInt(32));
          note = payload.length + "-byte config: an unknown, longer layout";
        } else {
          Object v = pick(r, List.<Object>of(2, 0, 999, -1, "1", 1.5));
          base.put("v", v);
          payload = base.toBuffer().getBytes();
          note = "schema version " + (v instanceof String ? "\"" + v + "\"" : v);
        }
      }
      case MISSING_FIELD -> {
        if (kind == TopicKind.CONFIG) {
          payload = Arrays.copyOf(configBytes(r), 4);
          note = "generation only, no virtio_net_config";
        } else {
          if (kind == TopicKind.CTRL && base.containsKey("driverFeatures")) {
            base = new JsonObject().put("class", 3).put("cmd", 0); // a command, so that a field can be missing
          }
          List<String> required = requiredFields(kind);
          String key = pick(r, required);
          base.remove(key);
          payload = base.toBuffer().getBytes();
          note = "'" + key + "' missing";
        }
      }
      default -> throw new IllegalStateException(category.name());
    }
    return new Item(index, category, kind, topic, payload, refused, note);
  }

  /** A valid payload of {@code kind}, the starting point of most categories. */
  private JsonObject baseline(TopicKind kind, Random r) {
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

  private static List<String> requiredFields(TopicKind kind) {
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

  private String[] malformed(TopicKind kind, JsonObject base, Random r) {
    String text = kind == TopicKind.CONFIG ? "{\"generation\":7,\"status\":1}" : base.encode();
    return switch (r.nextInt(7)) {
      case 0 -> new String[] {text.substring(0, 1 + r.nextInt(text.length() - 1)), "truncated JSON"};
      case 1 -> new String[] {text.replaceFirst(",", ",,"), "double comma"};
      case 2 -> new String[] {text.replace('"', '\''), "single quotes"};
      case 3 -> new String[] {"[" + text + "]", "an array, not an object"};
      case 4 -> new String[] {"{\"carrier\":NaN,\"mtu\":Infinity}", "NaN and Infinity"};
      case 5 -> new String[] {"[".repeat(800) + "]".repeat(800), "800 nested arrays"};
      default -> new String[] {text + "}", "trailing brace"};
    };
  }

  private static Object wrongType(Object old, Random r) {
    if (old instanceof Boolean b) {
      return pick(r, List.<Object>of(b ? "yes" : "no", b ? 1 : 0));
    }
    if (old instanceof Number n) {
      return pick(r, List.<Object>of(String.valueOf(n), n.doubleValue() + 0.5, new JsonArray().add(n)));
    }
    if (old instanceof String s) {
      return pick(r, List.<Object>of(s.length(), false, new JsonObject().put("value", s)));
    }
    if (old instanceof JsonArray a) {
      return a.isEmpty() ? "none" : String.valueOf(a.getValue(0));
    }
    return new JsonArray();
  }

  private static String typeName(Object v) {
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof Integer || v instanceof Long) {
      return "an integer";
    }
    if (v instanceof Number) {
      return "a fraction";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof JsonArray) {
      return "an array";
    }
    return "an object";
  }

  private String unknownValue(TopicKind kind, JsonObject base, Random r) {
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

  /** A payload whose bytes are JSON except for {@code bad} spliced into a string value. */
  private static byte[] badUtf8(JsonObject base, byte[] bad, Random r) {
    String key = base.isEmpty() ? "generation" : pick(r, List.copyOf(base.fieldNames()));
    JsonObject o = base.copy();
    o.put(key, "@@BAD@@");
    String text = o.encode();
    int at = text.indexOf("@@BAD@@");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(utf8(text.substring(0, at)));
    out.writeBytes(utf8("eth"));
    out.writeBytes(bad);
    out.writeBytes(utf8(text.substring(at + "@@BAD@@".length())));
    return out.toByteArray();
  }

  /** {slot, name}: which topic level gets the hostile name, and the name. */
  private String[] hostileName(TopicKind kind, boolean wildcard, Random r) {
    List<String> slots = switch (kind) {
      case CMD, STATE, EVENT -> List.of("ifname", "ifname", "agent");
      case REF -> List.of("ifname", "agent", "holder");
      case AGENT_STATUS -> List.of("agent");
      case BACKEND_STATUS -> List.of("node");
      case DEVICE, CONFIG, CTRL -> List.of("instance");
      case IRQ -> List.of("cpu");
    };
    String slot = pick(r, slots);
    List<String> names = wildcard ? WILDCARD_NAMES
        : switch (slot) {
          case "ifname" -> BAD_IFNAMES;
          case "cpu" -> BAD_CPUS;
          default -> BAD_INSTANCE_NAMES;
        };
    return new String[] {slot, pick(r, names)};
  }

  /** The topic of {@code kind} with {@code slot} (if not null) replaced by the raw {@code name}. */
  private String topic(TopicKind kind, String slot, String name) {
    String agent = "agent".equals(slot) ? name : target.agent();
    String ifname = "ifname".equals(slot) ? name : target.ifname();
    String holder = "holder".equals(slot) ? name : target.holder();
    String node = "node".equals(slot) ? name : target.node();
    String instance = "instance".equals(slot) ? name : target.instance();
    String cpu = "cpu".equals(slot) ? name : String.valueOf(target.cpu());
    // forged: Topics' own builders refuse the invalid names on purpose
    Topics.Forged t = Topics.of(target.prefix()).forged();
    return switch (kind) {
      case CMD -> t.phyCmd(agent, ifname);
      case STATE -> t.phyState(agent, ifname);
      case EVENT -> t.phyEvent(agent, ifname);
      case REF -> t.phyRef(agent, ifname, holder);
      case AGENT_STATUS -> t.phyStatus(agent);
      case BACKEND_STATUS -> t.backendStatus(node);
      case DEVICE -> t.virtioDevice(instance);
      case CONFIG -> t.virtioConfig(instance);
      case CTRL -> t.virtioCtrl(instance);
      case IRQ -> t.rtosIrq(cpu);
    };
  }

  private static byte[] configBytes(Random r) {
    byte[] mac = {0x52, 0x54, 0x00, (byte) r.nextInt(256), (byte) r.nextInt(256), (byte) r.nextInt(256)};
    VirtioNetConfig cfg = new VirtioNetConfig(mac, VirtioNetConfig.S_LINK_UP, 1, 1500, 1000, Duplex.FULL.virtioByte(), 0, 0, 0);
    return cfg.encodeWire(r.nextInt(1_000_000));
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(s.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xFF));
    }
    return s.toString();
  }

  private static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }
}
