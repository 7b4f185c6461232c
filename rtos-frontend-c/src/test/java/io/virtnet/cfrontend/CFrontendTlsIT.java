package io.virtnet.cfrontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.testsupport.TestMqtt;
import io.virtnet.testsupport.TlsMosquitto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C frontend (ASan+UBSan build) over TLS to a real Mosquitto whose certificate a CA made for the test
 * signed: with the CA it connects and serves a device published as the contract says (retained device and
 * config; its retained view appears); a certificate for another name, or a CA it does not trust, is refused
 * with a message saying which; {@code --tls-insecure} connects anyway and warns. The test observes and
 * publishes on the broker's plain loopback listener, so what it sees does not depend on the certificate.
 */
@Timeout(120)
class CFrontendTlsIT {
  private static final Duration BOUND = Duration.ofSeconds(20);
  private static final String DEVICE = "vnet/virtio/virtio-net9/device";
  private static final String CONFIG = "vnet/virtio/virtio-net9/config";
  private static final String VIEW = "vnet/rtos/9/virtio-net9/link";
  private static final String PASSWORD = "not-to-be-printed-4711";

  private final Path frontend = Path.of(System.getProperty("vnet.c.build", "target/cmake")).resolve("vnet-frontend");
  private final Path logs = Path.of("target", "tls-it");
  private final List<NativeProcess> runs = new ArrayList<>();
  private final List<AutoCloseable> closeLater = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (NativeProcess run : runs) {
      run.close();
    }
    for (int i = closeLater.size() - 1; i >= 0; i--) {
      closeLater.get(i).close();
    }
  }

  @Test
  void withTheCaAndTheRightHostName_itConnectsAndServesTheDevice(@TempDir Path dir) throws Exception {
    TlsMosquitto broker = broker(dir, "DNS:localhost");
    TestMqtt mqtt = observerWithDevice(broker);

    NativeProcess c = startC("verified", List.of("--broker", "mqtts://localhost:" + broker.port(), "--cpu", "9",
        "--ca-file", broker.caFile().toString(), "--username", "vnet-c"));

    mqtt.awaitLast(VIEW, r -> !r.isEmpty() && "c".equals(r.json().getString("driver")) && r.json().getBoolean("carrier")
        && r.json().getLong("generation") == 5, BOUND);
    c.awaitOutput("probed virtio-net9", 1, BOUND);
    assertThat(c.output()).contains("connected to ssl://localhost:" + broker.port())
        .contains("TLS, trusting " + broker.caFile() + "; host name verified")
        .doesNotContain("WARN").doesNotContain(PASSWORD);
    // a clean stop clears the view, and the run had no sanitizer report
    assertThat(c.stop()).as(c.tail()).isZero();
    mqtt.awaitLast(VIEW, TestMqtt.Received::isEmpty, BOUND);
    assertClean(c);
  }

  @Test
  void aCertificateForAnotherName_orACaNotTrusted_isRefusedSayingWhich_andNoViewAppears(@TempDir Path dir)
      throws Exception {
    TlsMosquitto broker = broker(dir, "DNS:other.example");
    TestMqtt mqtt = observerWithDevice(broker);

    // the CA is trusted, but the certificate names another host than the one connected to
    NativeProcess wrongName = startC("wrong-name", List.of("--broker", "ssl://127.0.0.1:" + broker.port(), "--cpu", "9",
        "--ca-file", broker.caFile().toString()));
    // the name would not matter: the test CA is in no system trust store, and no --ca-file names it
    NativeProcess untrusted = startC("untrusted", List.of("--broker", "tls://localhost:" + broker.port(), "--cpu", "9"));

    // (each keeps refusing on its retries: the second refusal is the marker)
    wrongName.awaitOutput("TLS: the broker's certificate does not match the host name '127.0.0.1'", 2, BOUND);
    untrusted.awaitOutput("TLS: the broker's certificate is not signed by a CA in the system trust store", 2, BOUND);
    assertThat(untrusted.output()).contains("certificate verify failed");
    for (NativeProcess c : List.of(wrongName, untrusted)) {
      assertThat(c.output()).as(c.tail()).doesNotContain("connected to").doesNotContain("probed");
    }
    assertThat(mqtt.received()).as("nothing from a C frontend reached the broker")
        .noneMatch(r -> r.topic().startsWith("vnet/rtos/9/") || r.topic().equals("vnet/virtio/virtio-net9/ctrl"));
    for (NativeProcess c : List.of(wrongName, untrusted)) {
      assertThat(c.stop()).as(c.tail()).isZero();
      assertClean(c);
    }
  }

  @Test
  void tlsInsecure_skipsOnlyTheHostNameCheck_andWarnsAtStart(@TempDir Path dir) throws Exception {
    TlsMosquitto broker = broker(dir, "DNS:other.example");
    TestMqtt mqtt = observerWithDevice(broker);

    // the name (127.0.0.1) would not pass; the chain to the CA given is still verified, as in the Java services
    NativeProcess c = startC("insecure", List.of("--broker", "ssl://127.0.0.1:" + broker.port(), "--cpu", "9",
        "--ca-file", broker.caFile().toString(), "--tls-insecure"));

    mqtt.awaitLast(VIEW, r -> !r.isEmpty() && "c".equals(r.json().getString("driver")), BOUND);
    assertThat(c.output()).contains("WARN --tls-insecure: the broker's host name is NOT verified")
        .contains("host name NOT verified: --tls-insecure");
    // AND the flag does not reach the chain: without the CA that signed the certificate it is still refused
    NativeProcess untrusted = startC("insecure-untrusted", List.of("--broker", "ssl://127.0.0.1:" + broker.port(),
        "--cpu", "9", "--tls-insecure"));
    untrusted.awaitOutput("TLS: the broker's certificate is not signed by a CA in the system trust store", 2, BOUND);
    assertThat(untrusted.stop()).as(untrusted.tail()).isZero();
    assertThat(c.stop()).as(c.tail()).isZero();
    assertClean(c);
  }

  private TlsMosquitto broker(Path dir, String san) throws Exception {
    assertThat(frontend).as("the C frontend, built by CMake in this module").isExecutable();
    TlsMosquitto broker = TlsMosquitto.start(dir, san);
    closeLater.add(broker);
    return broker;
  }

  /** An observer of vnet/# on the plain listener, which has published a device for CPU 9 and its config, retained. */
  private TestMqtt observerWithDevice(TlsMosquitto broker) {
    TestMqtt mqtt = TestMqtt.to("127.0.0.1", broker.plainPort()).connect().subscribe("vnet/#");
    closeLater.add(mqtt);
    mqtt.publishRetained(DEVICE, "{\"instance\":\"virtio-net9\",\"cpu\":9,\"irq\":49,\"deviceFeatures\":[\"STATUS\","
        + "\"CTRL_VQ\",\"GUEST_ANNOUNCE\",\"MAC\",\"MTU\",\"SPEED_DUPLEX\"],\"phy\":\"eth0\",\"agent\":\"linux0\"}");
    mqtt.publish(CONFIG, config(5), true);
    mqtt.awaitLast(CONFIG, r -> r.payload().length == 28, BOUND);
    return mqtt;
  }

  /** u32le generation + virtio_net_config: MAC 02:00:00:00:00:09, link up, MTU 1500, 1000 Mbit/s full duplex. */
  private static byte[] config(int generation) {
    ByteBuffer b = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(generation).put(new byte[] {2, 0, 0, 0, 0, 9}).putShort((short) 1).putShort((short) 0)
        .putShort((short) 1500).putInt(1000).put((byte) 1);
    return b.array();
  }

  private NativeProcess startC(String name, List<String> args) throws Exception {
    Files.createDirectories(logs);
    List<String> cmd = new ArrayList<>(List.of(frontend.toString()));
    cmd.addAll(args);
    NativeProcess p = NativeProcess.start("vnet-frontend-" + name, logs, cmd, Map.of("VNET_MQTT_PASSWORD", PASSWORD,
        "ASAN_OPTIONS", "detect_leaks=1", "UBSAN_OPTIONS", "print_stacktrace=1"));
    runs.add(p);
    return p;
  }

  private static void assertClean(NativeProcess c) {
    assertThat(c.output()).as(c.tail()).doesNotContain("Sanitizer").doesNotContain("runtime error:")
        .doesNotContain(PASSWORD);
  }
}
