package io.virtnet.systemtests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.yaml.snakeyaml.Yaml;

/**
 * A docker compose file as plain maps (SnakeYAML, which resolves the {@code <<: *anchor} merge keys
 * compose uses). Compose's own tags ({@code !override}, {@code !reset}) are dropped before parsing.
 */
public final class ComposeFile {
  private final Path file;
  private final String text;
  private final Map<String, Object> root;

  private ComposeFile(Path file, String text, Map<String, Object> root) {
    this.file = file;
    this.text = text;
    this.root = root;
  }

  public static ComposeFile load(String relative) {
    Path file = RepoLayout.file(relative);
    try {
      String text = Files.readString(file);
      Map<String, Object> root = new Yaml().load(text.replaceAll("\\s!(override|reset)\\b", " "));
      return new ComposeFile(file, text, root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path path() {
    return file;
  }

  public String text() {
    return text;
  }

  /** Service name → its definition, sorted by name. */
  @SuppressWarnings("unchecked")
  public Map<String, Map<String, Object>> services() {
    return new TreeMap<>((Map<String, Map<String, Object>>) root.get("services"));
  }

  public Map<String, Object> service(String name) {
    Map<String, Object> s = services().get(name);
    if (s == null) {
      throw new IllegalArgumentException(file + " has no service " + name);
    }
    return s;
  }

  /** The module whose jar the service runs (its build argument SERVICE), if it is built here. */
  @SuppressWarnings("unchecked")
  public static Optional<String> module(Map<String, Object> service) {
    Object build = service.get("build");
    if (!(build instanceof Map)) {
      return Optional.empty();
    }
    Object args = ((Map<String, Object>) build).get("args");
    return args instanceof Map ? Optional.ofNullable((String) ((Map<String, Object>) args).get("SERVICE")) : Optional.empty();
  }

  @SuppressWarnings("unchecked")
  public static List<String> list(Map<String, Object> service, String key) {
    Object v = service.get(key);
    return v == null ? List.of() : ((List<Object>) v).stream().map(String::valueOf).toList();
  }

  @SuppressWarnings("unchecked")
  public static Map<String, String> environment(Map<String, Object> service) {
    Object v = service.get("environment");
    Map<String, String> env = new TreeMap<>();
    if (v instanceof Map<?, ?> m) {
      m.forEach((k, val) -> env.put(String.valueOf(k), val == null ? "" : String.valueOf(val)));
    } else if (v instanceof List<?> l) {
      for (Object o : l) {
        String s = String.valueOf(o);
        int eq = s.indexOf('=');
        env.put(eq < 0 ? s : s.substring(0, eq), eq < 0 ? "" : s.substring(eq + 1));
      }
    }
    return env;
  }

  /** The value following {@code flag} in a command list. */
  public static Optional<String> flag(List<String> command, String flag) {
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).equals(flag) && i + 1 < command.size()) {
        return Optional.of(command.get(i + 1));
      }
      if (command.get(i).startsWith(flag + "=")) {
        return Optional.of(command.get(i).substring(flag.length() + 1));
      }
    }
    return Optional.empty();
  }
}
