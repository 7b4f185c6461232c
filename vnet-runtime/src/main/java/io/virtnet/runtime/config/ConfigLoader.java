package io.virtnet.runtime.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Loads the stack configuration: a YAML (or JSON) file, or the built-in default stack of
 * {@value #DEFAULT_RESOURCE}. Blocking file I/O: call it from {@code main} or {@code executeBlocking}.
 */
public final class ConfigLoader {
  public static final String DEFAULT_RESOURCE = "/virtnet-default.yaml";
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private ConfigLoader() {}

  /** The configuration in {@code file}, or the default stack when {@code file} is null. */
  public static JsonObject load(Path file) {
    if (file == null) {
      return defaults();
    }
    try {
      return parse(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new ConfigException("config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  public static JsonObject defaults() {
    try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("built-in " + DEFAULT_RESOURCE + " is missing from the jar");
      }
      return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses YAML or JSON text into a JSON tree. */
  @SuppressWarnings("unchecked")
  public static JsonObject parse(String text, String source) {
    try {
      Object tree = YAML.readValue(text, Object.class);
      if (tree == null) {
        return new JsonObject();
      }
      if (!(tree instanceof Map<?, ?> map)) {
        throw new ConfigException(source + ": the top level must be a map");
      }
      return new JsonObject((Map<String, Object>) map);
    } catch (IOException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      throw new ConfigException(source + ": not valid YAML: " + msg, e);
    }
  }
}
