package io.virtnet.launcher;

import io.virtnet.broker.auth.PasswordFile;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The in-JVM services' MQTT logins: user {@code agent}, {@code backend} and {@code frontend} (the names
 * in deploy/mosquitto/acl) with the passwords of the compose stack's variables (.env.example)
 * {@code VNET_AGENT_PASSWORD}, {@code VNET_BACKEND_PASSWORD}, {@code VNET_FRONTEND_PASSWORD}.
 * A service whose variable is unset connects without a login. Passwords are never logged or printed.
 */
final class ServiceLogins {
  /** The client id each service asks {@link InProcessStack} options for, and its user. */
  private static final Map<String, String> USER_BY_CLIENT_ID = Map.of(
      "vnet-agent", "agent", "vnet-backend", "backend", "vnet-frontend", "frontend");
  private static final List<String> USERS = List.of("agent", "backend", "frontend");

  private final Map<String, String> passwords;

  private ServiceLogins(Map<String, String> passwords) {
    this.passwords = Map.copyOf(passwords);
  }

  /** The passwords from {@code env} (System::getenv in main); empty values count as unset. */
  static ServiceLogins fromEnvironment(Function<String, String> env) {
    Map<String, String> passwords = new LinkedHashMap<>();
    for (String user : USERS) {
      String value = env.apply(variable(user));
      if (value != null && !value.isEmpty()) {
        passwords.put(user, value);
      }
    }
    return new ServiceLogins(passwords);
  }

  static String variable(String user) {
    return "VNET_" + user.toUpperCase(java.util.Locale.ROOT) + "_PASSWORD";
  }

  /** {@code options} with the login of the service that asked for {@code clientId}, if it has one. */
  MqttSessionOptions apply(String clientId, MqttSessionOptions options) {
    String user = USER_BY_CLIENT_ID.get(clientId);
    String password = user == null ? null : passwords.get(user);
    return password == null ? options : options.withCredentials(user, password);
  }

  /**
   * Checks, before anything starts, that every service can log in to a broker using {@code file}: a
   * missing variable or a password that does not match is a clear error naming the variable, never the value.
   */
  void requireAll(PasswordFile file) {
    List<String> problems = new ArrayList<>();
    for (String user : USERS) {
      String password = passwords.get(user);
      if (password == null) {
        problems.add(variable(user) + " is not set (the password of user '" + user + "')");
      } else if (!file.hasUser(user)) {
        problems.add("user '" + user + "' is not in " + file.file());
      } else if (!file.authenticate(user, password.getBytes(StandardCharsets.UTF_8))) {
        problems.add(variable(user) + " is not the password of user '" + user + "' in " + file.file());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("the services cannot log in to the embedded broker: " + String.join("; ", problems)
          + " (the launcher reads the passwords of .env.example's variables)");
    }
  }

  @Override
  public String toString() {
    return "ServiceLogins" + passwords.keySet();
  }
}
