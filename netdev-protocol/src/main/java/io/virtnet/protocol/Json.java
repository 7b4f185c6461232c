package io.virtnet.protocol;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;

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
    if (!isAscii(payload)) {
      try {
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)
            .decode(ByteBuffer.wrap(payload.getBytes()));
      } catch (CharacterCodingException e) {
        throw InvalidMessageException.of("bad-utf8", "payload is not valid UTF-8");
      }
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

  /** Every payload of the contract is ASCII: then it is valid UTF-8 without a decoder and a copy. */
  private static boolean isAscii(Buffer payload) {
    for (int i = 0, n = payload.length(); i < n; i++) {
      if (payload.getByte(i) < 0) {
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
      Instant fast = parseUtcInstant(s);
      return fast != null ? fast : Instant.parse(s);
    } catch (DateTimeException e) {
      throw InvalidMessageException.of("wrong-type", "field '" + key + "' is not an ISO-8601 instant");
    }
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
