package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import io.virtnet.systemtests.support.Ports;
import io.virtnet.systemtests.support.RepoLayout;
import io.virtnet.systemtests.support.ServiceProcess;
import io.virtnet.testsupport.TestMqtt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher as a user runs it with the compose stack's security (docs/contract.md §6):
 * {@code --mqtt-passwd} (made by deploy/mosquitto/gen-passwd.sh from .env.example) and
 * {@code --mqtt-acl deploy/mosquitto/acl}, the services' passwords in .env.example's variables.
 */
@Timeout(120)
class LauncherAclIT {
  private static final Duration FIVE_SECONDS = Duration.ofSeconds(5);
  private static final String LINK0 = "vnet/rtos/2/virtio-net0/link";

  @TempDir Path work;
  private Map<String, String> passwords;
  private Path passwd;
  private ServiceProcess launcher;

  @BeforeEach
  void passwordFile() {
    Mosquitto.requireBinary();
    passwords = EnvFile.mqttPasswords();
    passwd = work.resolve("passwd");
    Mosquitto.generatePasswordFile(passwd);
  }

  @AfterEach
  void stop() {
    if (launcher != null) {
      launcher.close();
    }
  }

  private Map<String, String> serviceEnv() {
    Map<String, String> env = new HashMap<>();
    for (String user : List.of("agent", "backend", "frontend")) {
      env.put(EnvFile.passwordVariable(user), passwords.get(user));
    }
    return env;
  }

  private ServiceProcess launch(String name, Map<String, String> env, String... args) {
    return ServiceProcess.java(name, RepoLayout.requireJar("launcher"), List.of(args), env);
  }

  private TestMqtt login(int port, String user) {
    return TestMqtt.to("127.0.0.1", port).mqtt311().login(user, passwords.get(user)).connect();
  }

  @Test
  void withTheComposeAcl_anonymousIsRefused_anAgentCannotForgeDevices_andTheServicesCarryACablePull() {
    int port = Ports.free();
    launcher = launch("launcher-acl", serviceEnv(), "--mqtt-port", Integer.toString(port), "--http-port", "0",
        "--mqtt-passwd", passwd.toString(), "--mqtt-acl", RepoLayout.file("deploy/mosquitto/acl").toString());
    await("the launcher's dashboard line").atMost(Duration.ofSeconds(60)).until(() -> {
      assertThat(launcher.isAlive()).as(launcher.tail()).isTrue();
      return launcher.output().contains("Dashboard: http://");
    });

    assertThat(TestMqtt.to("127.0.0.1", port).mqtt311().connectFailure())
        .hasValueSatisfying(e -> assertThat(e).isInstanceOf(Mqtt3ConnAckException.class));

    try (TestMqtt observer = login(port, "observer"); TestMqtt agent = login(port, "agent");
        TestMqtt injector = login(port, "injector")) {
      observer.trySubscribe("vnet/#");
      // the services logged in: the frontend's link view is there, retained
      observer.awaitMatching("virtio-net0's link view, carrier up", Duration.ofSeconds(15),
          r -> r.topic().equals(LINK0) && r.text().contains("\"carrier\":true"));

      // WHEN the agent user forges the device (the empty "gone" of issue 18) and its config
      String forged = "{\"forged\":\"" + UUID.randomUUID() + "\"}";
      agent.publish("vnet/virtio/virtio-net0/device", "", true);
      agent.publish("vnet/virtio/virtio-net0/config", forged, true);
      String marker = "{\"marker\":\"" + UUID.randomUUID() + "\"}";
      injector.publish("vnet/virtio/acl-marker/ctrl", marker, false);
      observer.awaitMatching("the injector's marker", FIVE_SECONDS, r -> r.text().equals(marker));

      // THEN the observer never saw them
      assertThat(observer.saw(r -> r.topic().equals("vnet/virtio/virtio-net0/device") && r.payload().length == 0))
          .as("the agent's empty device").isFalse();
      assertThat(observer.saw(r -> r.text().equals(forged))).as("the agent's forged config").isFalse();

      // AND the stack still carries a cable pull end to end
      injector.publish("vnet/phy/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":false}", false);
      observer.awaitMatching("carrier down on cpu 2", FIVE_SECONDS, r -> r.topic().equals(LINK0) && r.text().contains("\"carrier\":false"));
      int seen = observer.received().size();
      injector.publish("vnet/phy/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":true}", false);
      await("carrier up again").atMost(FIVE_SECONDS).until(() -> observer.received().stream().skip(seen)
          .anyMatch(r -> r.topic().equals(LINK0) && r.text().contains("\"carrier\":true")));
    }
    // a late subscriber gets the backend's device, not the agent's empty one
    try (TestMqtt late = login(port, "observer")) {
      late.trySubscribe("vnet/virtio/virtio-net0/device");
      TestMqtt.Received device = late.awaitMatching("the retained device", FIVE_SECONDS, r -> r.topic().endsWith("/device"));
      assertThat(device.text()).startsWith("{");
    }

    String log = launcher.output();
    assertThat(log).contains("topic ACL from");
    assertThat(log).as("HiveMQ's start-up migration lines are quiet").doesNotContain("migrations");
    passwords.values().forEach(pw -> assertThat(log).as("no password in the log").doesNotContain(pw));
  }

  @Test
  void aBadAclLine_orAWrongServicePassword_stopsTheLauncherWithAClearMessage() throws Exception {
    Path acl = work.resolve("acl");
    Files.writeString(acl, "user agent\ntopic wirte vnet/phy/+/status\n");
    ServiceProcess bad = launch("launcher-bad-acl", serviceEnv(), "--mqtt-port", "0", "--http-port", "0",
        "--mqtt-passwd", passwd.toString(), "--mqtt-acl", acl.toString());
    assertThat(bad.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
    assertThat(bad.output()).contains(acl + ":2: unknown access 'wirte'");

    Map<String, String> env = serviceEnv();
    env.put("VNET_BACKEND_PASSWORD", "not-the-password");
    ServiceProcess wrong = launch("launcher-wrong-password", env, "--mqtt-port", "0", "--http-port", "0",
        "--mqtt-passwd", passwd.toString(), "--mqtt-acl", RepoLayout.file("deploy/mosquitto/acl").toString());
    assertThat(wrong.waitFor(Duration.ofSeconds(60))).isEqualTo(2);
    assertThat(wrong.output()).contains("VNET_BACKEND_PASSWORD is not the password of user 'backend'")
        .doesNotContain("not-the-password");
  }
}
