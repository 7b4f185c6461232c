package io.virtnet.frontend.qemu;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * The QEMU Machine Protocol's framing, apart from any socket: one JSON object per line; a line is a
 * greeting, an event, a reply (by {@code id}, with {@code return} or {@code error}) or something QEMU
 * does not send. Pure functions.
 */
final class QmpWire {
  /** A QMP reply is one line; anything longer than this is not QEMU talking. */
  static final int MAX_LINE = 1 << 20;

  /** One line from QEMU, classified. */
  sealed interface Line {}

  /** {@code {"QMP":{…}}}, the greeting that opens every session. */
  record Greeting(JsonObject message) implements Line {}

  /** An asynchronous event ({@code {"event":…}}); the client does not act on any. */
  record Event(String name) implements Line {}

  /** A reply; {@code id} is ours when QEMU echoed it, else null; {@code error} is null on success. */
  record Reply(Long id, JsonObject result, Error error) implements Line {}

  /** QEMU's {@code {"error":{"class":…,"desc":…}}}. */
  record Error(String errorClass, String desc) {}

  /** Not a JSON object, or an object of no known kind; {@code text} is abbreviated for a log line. */
  record Unknown(String text, boolean json) implements Line {}

  private QmpWire() {}

  /** The line to send for {@code command} with optional {@code arguments}, tagged with {@code id}. */
  static String command(long id, String command, JsonObject arguments) {
    JsonObject cmd = new JsonObject().put("execute", command);
    if (arguments != null) {
      cmd.put("arguments", arguments);
    }
    return cmd.put("id", id).encode() + "\n";
  }

  /** Classifies one received line (without its newline); null for a blank line. */
  static Line parse(String line) {
    String text = line.trim();
    if (text.isEmpty()) {
      return null;
    }
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return new Unknown(abbreviate(text), false);
    }
    if (msg.containsKey("QMP")) {
      return new Greeting(msg);
    }
    if (msg.containsKey("event")) {
      return new Event(String.valueOf(msg.getValue("event")));
    }
    if (msg.containsKey("return") || msg.containsKey("error")) {
      Long id = msg.getValue("id") instanceof Number n ? n.longValue() : null;
      if (msg.getValue("error") instanceof JsonObject err) {
        return new Reply(id, null, new Error(err.getString("class", "GenericError"), err.getString("desc", err.encode())));
      }
      Object ret = msg.getValue("return");
      return new Reply(id, ret instanceof JsonObject o ? o : new JsonObject().put("return", ret), null);
    }
    return new Unknown(abbreviate(text), true);
  }

  /** QEMU's version from a greeting ({@code "8.2.1"}), or null if it does not say. */
  static String version(JsonObject greeting) {
    if (greeting != null && greeting.getValue("QMP") instanceof JsonObject qmp
        && qmp.getValue("version") instanceof JsonObject v && v.getValue("qemu") instanceof JsonObject q) {
      return q.getValue("major") + "." + q.getValue("minor") + "." + q.getValue("micro");
    }
    return null;
  }

  static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "…";
  }
}
