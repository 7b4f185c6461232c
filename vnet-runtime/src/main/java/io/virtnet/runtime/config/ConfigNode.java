package io.virtnet.runtime.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Typed, validated access to one object of a configuration tree. Every error names the full field
 * path (e.g. {@code backend.instances[1].cpu}) so a user can find the line to fix.
 */
public final class ConfigNode {
  private final JsonObject json;
  private final String path;

  public ConfigNode(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path;
  }

  public static ConfigNode root(JsonObject json) {
    return new ConfigNode(json, "");
  }

  public JsonObject json() {
    return json;
  }

  public String path() {
    return path;
  }

  public String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  /** Rejects keys other than {@code allowed}, so a typo is an error rather than a silent default. */
  public ConfigNode allowOnly(String... allowed) {
    Set<String> ok = Set.of(allowed);
    for (String k : json.fieldNames()) {
      if (!ok.contains(k)) {
        throw new ConfigException(pathOf(k) + ": unknown setting (allowed: " + String.join(", ", allowed) + ")");
      }
    }
    return this;
  }

  public ConfigException error(String key, String problem) {
    return new ConfigException(pathOf(key) + ": " + problem);
  }

  public ConfigNode child(String key) {
    Object v = json.getValue(key);
    if (v == null) {
      return new ConfigNode(new JsonObject(), pathOf(key));
    }
    if (!(v instanceof JsonObject o)) {
      throw error(key, "must be a map");
    }
    return new ConfigNode(o, pathOf(key));
  }

  public List<ConfigNode> children(String key) {
    Object v = json.getValue(key);
    List<ConfigNode> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (!(v instanceof JsonArray a)) {
      throw error(key, "must be a list");
    }
    for (int i = 0; i < a.size(); i++) {
      Object item = a.getValue(i);
      if (!(item instanceof JsonObject o)) {
        throw new ConfigException(pathOf(key) + "[" + i + "]: must be a map");
      }
      out.add(new ConfigNode(o, pathOf(key) + "[" + i + "]"));
    }
    return out;
  }

  public String string(String key, String dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof String s)) {
      throw error(key, "must be a string");
    }
    return s;
  }

  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isEmpty()) {
      throw error(key, "is required");
    }
    return s;
  }

  public boolean bool(String key, boolean dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Boolean b)) {
      throw error(key, "must be true or false");
    }
    return b;
  }

  public long integer(String key, long min, long max, long dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer || v instanceof Long)) {
      throw error(key, "must be an integer");
    }
    long n = ((Number) v).longValue();
    if (n < min || n > max) {
      throw error(key, "must be " + min + ".." + max + ", got " + n);
    }
    return n;
  }

  public long requiredInteger(String key, long min, long max) {
    if (!has(key)) {
      throw error(key, "is required");
    }
    return integer(key, min, max, 0);
  }

  public double number(String key, double min, double max, double dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Number n)) {
      throw error(key, "must be a number");
    }
    double d = n.doubleValue();
    if (d < min || d > max || Double.isNaN(d)) {
      throw error(key, "must be " + min + ".." + max + ", got " + d);
    }
    return d;
  }

  /** A list of strings; a single string is accepted as a one-element list, or split on commas. */
  public List<String> strings(String key, List<String> dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    List<String> out = new ArrayList<>();
    if (v instanceof String s) {
      for (String part : s.split(",")) {
        if (!part.isBlank()) {
          out.add(part.trim());
        }
      }
      return out;
    }
    if (!(v instanceof JsonArray a)) {
      throw error(key, "must be a list of strings");
    }
    for (Object o : a) {
      if (!(o instanceof String s)) {
        throw error(key, "must be a list of strings");
      }
      out.add(s);
    }
    return out;
  }

  public List<Long> integers(String key, long min, long max, List<Long> dflt) {
    Object v = json.getValue(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof JsonArray a)) {
      throw error(key, "must be a list of integers");
    }
    List<Long> out = new ArrayList<>();
    for (Object o : a) {
      if (!(o instanceof Integer || o instanceof Long)) {
        throw error(key, "must be a list of integers");
      }
      long n = ((Number) o).longValue();
      if (n < min || n > max) {
        throw error(key, "entries must be " + min + ".." + max + ", got " + n);
      }
      out.add(n);
    }
    return out;
  }
}
