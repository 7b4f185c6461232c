package io.virtnet.injector;

import static io.virtnet.injector.GarbageMutations.pick;

import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioNetConfig;
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
  /**
   * The contract's cap on a payload of {@code kind}: {@value Codecs#MAX_PAYLOAD_BYTES} bytes, and
   * {@value IrqMessage#MAX_PAYLOAD_BYTES} for an IRQ message, which lists up to
   * {@value IrqMessage#MAX_IRQS} IRQs. Oversize garbage starts one byte above.
   */
  static int cap(TopicKind kind) {
    return kind == TopicKind.IRQ ? IrqMessage.MAX_PAYLOAD_BYTES : Codecs.MAX_PAYLOAD_BYTES;
  }

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

  /** The topics the services read (docs/contract.md §4). */
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
  private final Target target;
  private final GarbagePayloads payloads;
  private final List<TopicKind> kinds;

  private GarbageGenerator(Target target, Set<TopicKind> kinds) {
    this.target = target;
    this.payloads = new GarbagePayloads(target);
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
    JsonObject base = payloads.baseline(kind, r);
    byte[] payload;
    String note;
    boolean refused = false;
    switch (category) {
      case MALFORMED_JSON -> {
        String[] variant = GarbageMutations.malformed(kind, base, r);
        payload = GarbageMutations.utf8(variant[0]);
        note = variant[1];
      }
      case WRONG_TYPE -> {
        if (kind == TopicKind.CONFIG) {
          payload = GarbageMutations.bytes(r, 3 + r.nextInt(20));
          note = "binary config of the wrong size";
        } else {
          String key = pick(r, List.copyOf(base.fieldNames()));
          Object old = base.getValue(key);
          Object replacement = GarbageMutations.wrongType(old, r);
          base.put(key, replacement);
          payload = base.toBuffer().getBytes();
          note = "'" + key + "' is " + GarbageMutations.typeName(replacement) + " instead of " + GarbageMutations.typeName(old);
        }
      }
      case OVERSIZE -> {
        int size = cap(kind) + 1 + r.nextInt(4000);
        if (kind == TopicKind.CONFIG) {
          payload = GarbageMutations.bytes(r, size);
        } else {
          base.put("pad", "");
          int overhead = base.toBuffer().length();
          base.put("pad", "x".repeat(Math.max(0, size - overhead)));
          payload = base.toBuffer().getBytes();
        }
        note = payload.length + " bytes, cap " + cap(kind);
      }
      case INVALID_NAME, WILDCARD_NAME -> {
        String[] slotAndName = hostileName(kind, category == Category.WILDCARD_NAME, r);
        topic = topic(kind, slotAndName[0], slotAndName[1]);
        payload = kind == TopicKind.CONFIG ? GarbagePayloads.configBytes(r) : base.toBuffer().getBytes();
        refused = category == Category.WILDCARD_NAME;
        note = slotAndName[0] + " '" + slotAndName[1] + "'";
      }
      case UNKNOWN_VALUE -> {
        if (kind == TopicKind.CONFIG) {
          byte[] cfg = GarbagePayloads.configBytes(r);
          cfg[4 + VirtioNetConfig.OFFSET_STATUS] = (byte) 0xFF; // status bits no spec defines
          cfg[4 + VirtioNetConfig.OFFSET_STATUS + 1] = (byte) 0xFF;
          cfg[4 + VirtioNetConfig.OFFSET_DUPLEX] = 0x7F; // neither half, full nor unknown
          payload = cfg;
          note = "status 0xffff, duplex 0x7f";
        } else {
          note = payloads.unknownValue(kind, base, r);
          payload = base.toBuffer().getBytes();
        }
      }
      case BAD_UTF8 -> {
        byte[] bad = pick(r, GarbageMutations.BAD_UTF8);
        payload = GarbageMutations.badUtf8(base, bad, r);
        note = "invalid UTF-8 " + GarbageMutations.hex(bad) + " inside a string";
      }
      case EMPTY -> {
        payload = new byte[0];
        note = "empty payload, not retained";
      }
      case WRONG_VERSION -> {
        if (kind == TopicKind.CONFIG) {
          payload = Arrays.copyOf(GarbagePayloads.configBytes(r), VirtioNetConfig.WIRE_SIZE + 8 + r.nextInt(32));
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
          payload = Arrays.copyOf(GarbagePayloads.configBytes(r), 4);
          note = "generation only, no virtio_net_config";
        } else {
          if (kind == TopicKind.CTRL && base.containsKey("driverFeatures")) {
            base = new JsonObject().put("class", 3).put("cmd", 0); // a command, so that a field can be missing
          }
          List<String> required = GarbagePayloads.requiredFields(kind);
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

}
