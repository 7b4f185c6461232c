package io.virtnet.systemtests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** A docker compose {@code .env} file: {@code NAME=value} lines, {@code #} comments, optional quotes. */
public final class EnvFile {
  private EnvFile() {}

  public static Map<String, String> read(Path file) {
    Map<String, String> vars = new LinkedHashMap<>();
    try {
      for (String raw : Files.readAllLines(file)) {
        String line = raw.strip();
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        int eq = line.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(file + ": not NAME=value: " + raw);
        }
        String value = line.substring(eq + 1).strip();
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
            || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        vars.put(line.substring(0, eq).strip(), value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return vars;
  }

  /** The MQTT users of the stack and their passwords from {@code .env.example}, as gen-passwd.sh maps them. */
  public static Map<String, String> mqttPasswords() {
    Map<String, String> env = read(RepoLayout.file(".env.example"));
    Map<String, String> users = new LinkedHashMap<>();
    for (String user : new String[] {"agent", "backend", "frontend", "injector", "observer"}) {
      users.put(user, env.get(passwordVariable(user)));
    }
    return users;
  }

  /** {@code agent} → {@code VNET_AGENT_PASSWORD}. */
  public static String passwordVariable(String user) {
    return "VNET_" + user.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD";
  }
}
