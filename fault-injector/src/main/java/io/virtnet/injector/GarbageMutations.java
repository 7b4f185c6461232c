package io.virtnet.injector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.injector.GarbageGenerator.TopicKind;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

/** Ways to break a payload whatever its kind: bad JSON, wrong types, invalid UTF-8. Pure and seeded. */
final class GarbageMutations {
  static final List<byte[]> BAD_UTF8 = List.of(
      new byte[] {(byte) 0xC3, 0x28}, // invalid continuation
      new byte[] {(byte) 0xFF, (byte) 0xFE}, // never valid in UTF-8
      new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // encoded surrogate U+D800
      new byte[] {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
      new byte[] {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}); // 5-byte form

  private GarbageMutations() {}

  /** {payload, note}: {@code base} (or a config as JSON) made into broken JSON. */
  static String[] malformed(TopicKind kind, JsonObject base, Random r) {
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

  static Object wrongType(Object old, Random r) {
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

  static String typeName(Object v) {
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

  /** A payload whose bytes are JSON except for {@code bad} spliced into a string value. */
  static byte[] badUtf8(JsonObject base, byte[] bad, Random r) {
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

  static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(s.length() == 0 ? "" : " ").append(String.format("%02x", x & 0xFF));
    }
    return s.toString();
  }

  static <T> T pick(Random r, List<T> from) {
    return from.get(r.nextInt(from.size()));
  }
}
