package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.virtnet.broker.auth.PasswordFile;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceLoginsTest {
  private static final Map<String, String> ENV = Map.of(
      "VNET_AGENT_PASSWORD", "pa", "VNET_BACKEND_PASSWORD", "pb", "VNET_FRONTEND_PASSWORD", "pf");

  /** A {@code $6$} line as {@code mosquitto_passwd -H sha512} writes it: SHA-512 of password then salt. */
  private static String sha512Line(String user, String password) throws Exception {
    byte[] salt = "twelve bytes".getBytes(StandardCharsets.UTF_8);
    MessageDigest md = MessageDigest.getInstance("SHA-512");
    md.update(password.getBytes(StandardCharsets.UTF_8));
    md.update(salt);
    Base64.Encoder b64 = Base64.getEncoder();
    return user + ":$6$" + b64.encodeToString(salt) + "$" + b64.encodeToString(md.digest());
  }

  private static PasswordFile file(Path dir, String... lines) throws Exception {
    return PasswordFile.read(Files.write(dir.resolve("passwd"), java.util.List.of(lines)));
  }

  @Test
  void eachServiceLogsInAsItsOwnUser_andOthersAreLeftAlone() {
    ServiceLogins logins = ServiceLogins.fromEnvironment(ENV::get);
    MqttSessionOptions agent = logins.apply("vnet-agent", MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "vnet-agent"));
    MqttSessionOptions frontend = logins.apply("vnet-frontend", MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "x"));
    assertThat(agent.username()).isEqualTo("agent");
    assertThat(agent.password()).isEqualTo("pa");
    assertThat(frontend.username()).isEqualTo("frontend");
    assertThat(logins.apply("vnet-other", MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "o")).username()).isNull();
    assertThat(ServiceLogins.fromEnvironment(k -> null).apply("vnet-agent",
        MqttSessionOptions.forBroker("tcp://127.0.0.1:1883", "a")).username()).as("no variable: no login").isNull();
    assertThat(logins.toString()).doesNotContain("pa").doesNotContain("pb");
  }

  @Test
  void requireAll_acceptsMatchingPasswords(@TempDir Path dir) throws Exception {
    PasswordFile f = file(dir, sha512Line("agent", "pa"), sha512Line("backend", "pb"), sha512Line("frontend", "pf"));
    ServiceLogins.fromEnvironment(ENV::get).requireAll(f);
  }

  @Test
  void requireAll_namesEachProblemsVariable_neverItsValue(@TempDir Path dir) throws Exception {
    PasswordFile f = file(dir, sha512Line("agent", "pa"), sha512Line("backend", "other"));
    Map<String, String> env = Map.of("VNET_AGENT_PASSWORD", "pa", "VNET_BACKEND_PASSWORD", "wrong-secret",
        "VNET_FRONTEND_PASSWORD", "pf");
    assertThatThrownBy(() -> ServiceLogins.fromEnvironment(env::get).requireAll(f))
        .hasMessageContaining("VNET_BACKEND_PASSWORD is not the password of user 'backend'")
        .hasMessageContaining("user 'frontend' is not in")
        .hasMessageNotContaining("wrong-secret");
    assertThatThrownBy(() -> ServiceLogins.fromEnvironment(Map.of("VNET_AGENT_PASSWORD", "pa")::get).requireAll(f))
        .hasMessageContaining("VNET_BACKEND_PASSWORD is not set");
  }
}
