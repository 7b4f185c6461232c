package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Strict JSON field access: every miss or wrong type becomes an {@link InvalidMessageException}. */
public final class Json {
  /** No payload of the contract comes near this; anything larger is rejected unread. */
  public static final int MAX_PAYLOAD_BYTES = 4096;

  private Json() {}

  /** Parses a JSON object after checking size, emptiness and UTF-8. */
  public static JsonObject parseObject(Buffer payload) {
    return parseObject(payload, MAX_PAYLOAD_BYTES);
  }

  public static JsonObject parseObject(Buffer payload, int maxBytes) {
    if (payload == null || payload.length() == 0) {
      throw InvalidMessageException.of("empty", "empty payload");
    }
    if (payload.length() > maxBytes) {
      throw InvalidMessageException.of(
          "oversize", "payload of " + payload.length() + " bytes exceeds the cap of " + maxBytes);
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(payload.getBytes()));
    } catch (CharacterCodingException e) {
      throw InvalidMessageException.of("bad-utf8", "payload is not valid UTF-8");
    }
    try {
      Object value = io.vertx.core.json.Json.decodeValue(payload);
      if (!(value instanceof JsonObject o)) {
        throw InvalidMessageException.of("malformed-json", "payload is JSON but not an object");
      }
      checkVersion(o);
      return o;
    } catch (DecodeException e) {
      throw InvalidMessageException.of("malformed-json", "payload is not valid JSON: " + firstLine(e.getMessage()));
    }
  }

  /**
   * Every payload may carry the schema version {@code v}; where present it must be one we speak, so
   * a message of a future schema is refused rather than half understood.
   */
  private static void checkVersion(JsonObject o) {
    Object v = o.getValue("v");
    if (v != null && !(v instanceof Integer i && i == NetdevCodec.VERSION)) {
      throw InvalidMessageException.of("schema-version",
          "schema version " + Names.printable(String.valueOf(v)) + " is not supported (want " + NetdevCodec.VERSION + ")");
    }
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }

  public static Object required(JsonObject o, String key) {
    Object v = o.getValue(key);
    if (v == null) {
      throw InvalidMessageException.of("missing-field", "field '" + key + "' is missing");
    }
    return v;
  }

  public static String string(JsonObject o, String key) {
    Object v = required(o, key);
    if (!(v instanceof String s)) {
      throw wrongType(key, "a string", v);
    }
    return s;
  }

  public static String optString(JsonObject o, String key) {
    return o.getValue(key) == null ? null : string(o, key);
  }

  public static boolean bool(JsonObject o, String key) {
    Object v = required(o, key);
    if (!(v instanceof Boolean b)) {
      throw wrongType(key, "true or false", v);
    }
    return b;
  }

  public static long integer(JsonObject o, String key, long min, long max) {
    Object v = required(o, key);
    if (!(v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte)) {
      throw wrongType(key, "an integer", v);
    }
    long n = ((Number) v).longValue();
    if (n < min || n > max) {
      throw InvalidMessageException.of(
          "out-of-range", "field '" + key + "' is " + n + ", allowed " + min + ".." + max);
    }
    return n;
  }

  public static long optInteger(JsonObject o, String key, long min, long max, long dflt) {
    return o.getValue(key) == null ? dflt : integer(o, key, min, max);
  }

  public static JsonArray array(JsonObject o, String key) {
    Object v = required(o, key);
    if (!(v instanceof JsonArray a)) {
      throw wrongType(key, "an array", v);
    }
    return a;
  }

  public static JsonObject object(JsonObject o, String key) {
    Object v = required(o, key);
    if (!(v instanceof JsonObject j)) {
      throw wrongType(key, "an object", v);
    }
    return j;
  }

  public static Instant instant(JsonObject o, String key) {
    String s = string(o, key);
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      throw InvalidMessageException.of("wrong-type", "field '" + key + "' is not an ISO-8601 instant");
    }
  }

  public static <E extends Enum<E>> E enumValue(JsonObject o, String key, Class<E> type) {
    String s = string(o, key);
    try {
      return Enum.valueOf(type, s);
    } catch (IllegalArgumentException e) {
      throw InvalidMessageException.of(
          "unknown-value", "field '" + key + "' has unknown value '" + Names.printable(s) + "'");
    }
  }

  static InvalidMessageException wrongType(String key, String expected, Object got) {
    return InvalidMessageException.of(
        "wrong-type",
        "field '" + key + "' must be " + expected + ", got " + got.getClass().getSimpleName());
  }
}
