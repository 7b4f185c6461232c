package io.virtnet.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The tests' view of a payload as a JSON tree, to read keys and forge variants of valid messages. */
final class TestJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private TestJson() {}

  static ObjectNode tree(byte[] payload) {
    try {
      return (ObjectNode) MAPPER.readTree(payload);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ObjectNode tree(String json) {
    return tree(json.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] bytes(ObjectNode o) {
    return Json.bytes(o);
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] payload) {
    return new String(payload, StandardCharsets.UTF_8);
  }

  static List<String> keys(ObjectNode o) {
    List<String> keys = new ArrayList<>();
    o.fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
