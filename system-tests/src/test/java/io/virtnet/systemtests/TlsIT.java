package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.testsupport.TestMqtt;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import io.virtnet.systemtests.support.RepoLayout;
import io.virtnet.systemtests.support.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS variant: certificates from deploy/tls/make-certs.sh, mosquitto with
 * deploy/mosquitto/tls/mosquitto-tls.conf. Services connect with {@code --tls --ca-file};
 * plaintext and clients that do not trust the local CA are turned away.
 */
@Timeout(90)
class TlsIT {
  private static final Duration BOUND = Duration.ofSeconds(20);

  @TempDir static Path work;
  private static Path certs;
  private static Mosquitto broker;
  private static Map<String, String> passwords;
  private static TestMqtt observer;

  @BeforeAll
  static void startTlsBroker() throws Exception {
    Mosquitto.requireBinary();
    RepoLayout.require(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl is not installed");
    certs = work.resolve("certs");
    ServiceProcess make = ServiceProcess.start("make-certs",
        List.of("/bin/sh", RepoLayout.file("deploy/tls/make-certs.sh").toString(), certs.toString()), Map.of());
    assertThat(make.waitFor(Duration.ofSeconds(60))).as(make.tail()).isZero();
    // make-certs.sh keeps its directory private; the broker drops root before it reads some files
    Files.setPosixFilePermissions(certs, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    broker = Mosquitto.start("deploy/mosquitto/tls/mosquitto-tls.conf", work, certs);
    passwords = EnvFile.mqttPasswords();
    observer = services().login("observer", passwords.get("observer")).tls(new TestMqtt.Tls(certs.resolve("ca.crt"))).connect();
    assertThat(observer.trySubscribe("vnet/#")).isTrue();
  }

  @AfterAll
  static void stop() {
    if (observer != null) {
      observer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void phyAgent_connectsWithTlsAndTheCaFile() {
    Path jar = RepoLayout.requireJar("phy-agent");
    try (ServiceProcess agent = ServiceProcess.java("tls-phy-agent", jar, List.of(
        "--broker", "tcp://localhost:" + broker.port(), "--tls", "--ca-file", certs.resolve("ca.crt").toString(),
        "--username", "agent", "--config", RepoLayout.file("deploy/stack.yaml").toString(), "--phy-source", "sim"),
        Map.of("VNET_MQTT_PASSWORD", passwords.get("agent")))) {
      observer.awaitMatching("the agent's retained state over TLS\n" + agent.tail(), BOUND,
          r -> r.topic().equals("vnet/phy/linux0/eth0/state") && r.text().contains("\"carrier\":true"));
    }
  }

  @Test
  void faultInjector_publishesOverTls() {
    Path jar = RepoLayout.requireJar("fault-injector");
    ServiceProcess injector = ServiceProcess.java("tls-fault-injector", jar, List.of(
        "--broker", "ssl://127.0.0.1:" + broker.port(), "--ca-file", certs.resolve("ca.crt").toString(),
        "--username", "injector", "--prefix", "vnet", "--agent", "linux0", "carrier", "eth1", "off"),
        Map.of("VNET_MQTT_PASSWORD", passwords.get("injector")));
    assertThat(injector.waitFor(Duration.ofSeconds(30))).as(injector.tail()).isZero();
    observer.awaitMatching("the injector's command over TLS", BOUND,
        r -> r.topic().equals("vnet/phy/linux0/eth1/cmd") && r.text().contains("\"carrier\""));
  }

  @Test
  void plaintextConnection_toTheTlsListener_fails() {
    assertThat(services().login("observer", passwords.get("observer")).connectFailure()).isPresent();
  }

  @Test
  void clientThatDoesNotTrustTheLocalCa_fails() {
    assertThat(services().login("observer", passwords.get("observer")).tls(new TestMqtt.Tls(null)).connectFailure())
        .isPresent();
  }

  @Test
  void anonymousTlsClient_isRefused() {
    assertThat(services().tls(new TestMqtt.Tls(certs.resolve("ca.crt"))).connectFailure()).isPresent();
  }

  /** A test client for the broker as the services speak to it (MQTT 3.1.1). */
  private static TestMqtt.Options services() {
    return TestMqtt.to("127.0.0.1", broker.port()).mqtt311();
  }
}
