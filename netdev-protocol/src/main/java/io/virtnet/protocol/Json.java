package io.virtnet.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Locale;

/**
 * Strict JSON field access for the codecs: every miss or wrong type becomes an
 * {@link InvalidMessageException}. Package-private, so no JSON library type reaches the API.
 */
final class Json {
  /** No payload of the contract comes near this; anything larger is rejected unread. */
  static final int MAX_PAYLOAD_BYTES = 4096;

  /** Thread-safe once configured; trailing content after the object is malformed, as before. */
  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private Json() {}

  static ObjectNode newObject() {
    return JsonNodeFactory.instance.objectNode();
  }

  static ArrayNode newArray() {
    return JsonNodeFactory.instance.arrayNode();
  }

  /** The compact encoding of {@code o}, keys in insertion order. */
  static byte[] bytes(ObjectNode o) {
    try {
      return MAPPER.writeValueAsBytes(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree failed to serialize", e);
    }
  }

  /** Parses a JSON object after checking size, emptiness, UTF-8 and the schema version. */
  static ObjectNode parseObject(byte[] payload) {
    return parseObject(payload, MAX_PAYLOAD_BYTES);
  }

  /** As {@link #parseObject(byte[])}, with a cap of {@code maxBytes}. */
  static ObjectNode parseObject(byte[] payload, int maxBytes) {
    if (payload == null || payload.length == 0) {
      throw InvalidMessageException.of("empty", "empty payload");
    }
    if (payload.length > maxBytes) {
      throw InvalidMessageException.of(
          "oversize", "payload of " + payload.length + " bytes exceeds the cap of " + maxBytes);
    }
    if (!isAscii(payload)) {
      try {
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(payload));
      } catch (CharacterCodingException e) {
        throw InvalidMessageException.of("bad-utf8", "payload is not valid UTF-8");
      }
    }
    JsonNode value;
    try {
      value = MAPPER.readTree(payload);
    } catch (IOException e) {
      throw InvalidMessageException.of("malformed-json", "payload is not valid JSON: " + firstLine(e.getMessage()));
    }
    if (!(value instanceof ObjectNode o)) {
      throw InvalidMessageException.of("malformed-json", "payload is JSON but not an object");
    }
    checkVersion(o);
    return o;
  }

  /**
   * Every payload may carry the schema version {@code v}; where present it must be one we speak, so
   * a message of a future schema is refused rather than half understood.
   */
  private static void checkVersion(ObjectNode o) {
    JsonNode v = value(o, "v");
    if (v != null && !(v.isInt() && v.intValue() == NetdevCodec.VERSION)) {
      throw InvalidMessageException.of("schema-version", "schema version "
          + Names.printable(v.isTextual() ? v.textValue() : v.toString()) + " is not supported (want "
          + NetdevCodec.VERSION + ")");
    }
  }

  /** Every payload of the contract is ASCII: then it is valid UTF-8 without a decoder and a copy. */
  private static boolean isAscii(byte[] payload) {
    for (byte b : payload) {
      if (b < 0) {
        return false;
      }
    }
    return true;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 120 ? line.substring(0, 120) + "…" : line;
  }

  /** The value of {@code key}, or null when it is absent or JSON {@code null}. */
  static JsonNode value(ObjectNode o, String key) {
    JsonNode v = o.get(key);
    return v == null || v.isNull() ? null : v;
  }

  static boolean has(ObjectNode o, String key) {
    return value(o, key) != null;
  }

  static JsonNode required(ObjectNode o, String key) {
    JsonNode v = value(o, key);
    if (v == null) {
      throw InvalidMessageException.of("missing-field", "field '" + key + "' is missing");
    }
    return v;
  }

  static String string(ObjectNode o, String key) {
    JsonNode v = required(o, key);
    if (!v.isTextual()) {
      throw wrongType(key, "a string", v);
    }
    return v.textValue();
  }

  static String optString(ObjectNode o, String key) {
    return has(o, key) ? string(o, key) : null;
  }

  static String optString(ObjectNode o, String key, String dflt) {
    return has(o, key) ? string(o, key) : dflt;
  }

  static boolean bool(ObjectNode o, String key) {
    JsonNode v = required(o, key);
    if (!v.isBoolean()) {
      throw wrongType(key, "true or false", v);
    }
    return v.booleanValue();
  }

  static long integer(ObjectNode o, String key, long min, long max) {
    JsonNode v = required(o, key);
    // int or long: a number beyond a long (BigInteger) or with a fraction is the wrong type
    if (!(v.isInt() || v.isLong())) {
      throw wrongType(key, "an integer", v);
    }
    long n = v.longValue();
    if (n < min || n > max) {
      throw InvalidMessageException.of(
          "out-of-range", "field '" + key + "' is " + n + ", allowed " + min + ".." + max);
    }
    return n;
  }

  static long optInteger(ObjectNode o, String key, long min, long max, long dflt) {
    return has(o, key) ? integer(o, key, min, max) : dflt;
  }

  static ArrayNode array(ObjectNode o, String key) {
    JsonNode v = required(o, key);
    if (!(v instanceof ArrayNode a)) {
      throw wrongType(key, "an array", v);
    }
    return a;
  }

  static ObjectNode object(ObjectNode o, String key) {
    JsonNode v = required(o, key);
    if (!(v instanceof ObjectNode j)) {
      throw wrongType(key, "an object", v);
    }
    return j;
  }

  static Instant instant(ObjectNode o, String key) {
    String s = string(o, key);
    try {
      Instant fast = parseUtcInstant(s);
      return fast != null ? fast : Instant.parse(s);
    } catch (DateTimeException e) {
      throw InvalidMessageException.of("wrong-type", "field '" + key + "' is not an ISO-8601 instant");
    }
  }

  static Instant optInstant(ObjectNode o, String key) {
    return has(o, key) ? instant(o, key) : null;
  }

  /**
   * The shape {@link Instant#toString()} writes, {@code yyyy-MM-ddTHH:mm:ss[.fraction]Z}, parsed without
   * the formatter machinery (every timestamp of every message goes through here); null for any other
   * shape, which {@link Instant#parse} then decides. Throws DateTimeException for an invalid date.
   */
  static Instant parseUtcInstant(String s) {
    int n = s.length();
    if (n < 20 || n > 30 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
        || s.charAt(16) != ':' || s.charAt(n - 1) != 'Z') {
      return null;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 7);
    int day = digits(s, 8, 10);
    int hour = digits(s, 11, 13);
    int minute = digits(s, 14, 16);
    int second = digits(s, 17, 19);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
        || second > 59) {
      return null;
    }
    int nanos = 0;
    if (n > 20) {
      int digitsEnd = n - 1;
      if (s.charAt(19) != '.' || digitsEnd - 20 < 1 || digitsEnd - 20 > 9) {
        return null;
      }
      int f = digits(s, 20, digitsEnd);
      if (f < 0) {
        return null;
      }
      nanos = f;
      for (int i = digitsEnd - 20; i < 9; i++) {
        nanos *= 10;
      }
    } else if (s.charAt(19) != 'Z') {
      return null;
    }
    long epochDay = LocalDate.of(year, month, day).toEpochDay();
    return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second, nanos);
  }

  /** The decimal number in {@code s[from, to)}, or -1 if a character is not a digit. */
  private static int digits(String s, int from, int to) {
    int v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  static <E extends Enum<E>> E enumValue(ObjectNode o, String key, Class<E> type) {
    String s = string(o, key);
    try {
      return Enum.valueOf(type, s);
    } catch (IllegalArgumentException e) {
      throw InvalidMessageException.of(
          "unknown-value", "field '" + key + "' has unknown value '" + Names.printable(s) + "'");
    }
  }

  static InvalidMessageException wrongType(String key, String expected, JsonNode got) {
    return InvalidMessageException.of(
        "wrong-type", "field '" + key + "' must be " + expected + ", got " + typeName(got));
  }

  /** The JSON type of {@code v} as a reader of the payload would name it: string, number, object, … */
  static String typeName(JsonNode v) {
    return v.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
