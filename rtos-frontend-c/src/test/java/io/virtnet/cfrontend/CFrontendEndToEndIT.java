package io.virtnet.cfrontend;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.TestMqtt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The launcher's stack (agent with sim PHYs, backend, Java frontend on CPUs 2 and 3) against a broker
 * of this JVM, and the C frontend in its own process serving CPU 7, where no Java frontend runs. Hot-plugged
 * instances on eth1: virtio-net7 on CPU 7 (the C frontend) and virtio-net6 on CPU 2 (the Java frontend),
 * both with linkwatch off, so the two drivers see the same PHY events through the same backend.
 */
@Timeout(180)
class CFrontendEndToEndIT {
  private static final Logger LOG = LoggerFactory.getLogger(CFrontendEndToEndIT.class);
  private static final Duration BOUND = Duration.ofSeconds(10);
  /** After a broker restart: one full reconnect backoff step (5 s) and the resubscriptions, with margin. */
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(20);
  static final int CABLE_CHANGES = 20;
  private static final String C_VIEW = "vnet/rtos/7/virtio-net7/link";
  private static final String JAVA_VIEW = "vnet/rtos/2/virtio-net6/link";
  private static final String CMD = "vnet/phy/linux0/eth1/cmd";

  private final Path work = Path.of("target", "e2e");
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<NativeProcess> cRuns = new ArrayList<>();
  private int httpPort;

  @Test
  void cFrontendOnCpu7_followsCablesAcksAnnounceSurvivesKillAndBrokerRestartAndUnplugs() throws Exception {
    Path frontend = Path.of(System.getProperty("vnet.c.build", "target/cmake")).resolve("vnet-frontend");
    Path launcherJar = Path.of(System.getProperty("vnet.launcher.jar", "../launcher/target/launcher.jar"));
    assertThat(frontend).as("the C frontend, built by CMake in this module").isExecutable();
    assertThat(launcherJar).as("the launcher's jar, built by the reactor before this module").exists();
    Files.createDirectories(work);
    httpPort = EmbeddedBroker.freePort();
    try (EmbeddedBroker broker = EmbeddedBroker.start(0);
        NativeProcess launcher = NativeProcess.start("launcher", work, List.of(javaBin(), "-jar", launcherJar.toString(),
            "--broker", broker.uri(), "--http-port", String.valueOf(httpPort)), Map.of())) {
      TestMqtt mqtt = TestMqtt.connect(broker.uri()).subscribe("vnet/#");
      try {
        // GIVEN the stack, the C frontend on CPU 7, and one instance for each frontend on eth1
        launcher.awaitOutput("Dashboard:", 1, Duration.ofSeconds(90));
        NativeProcess c = startC(frontend, broker.uri());
        c.awaitOutput("connected to", 1, BOUND);
        post("{\"name\":\"virtio-net7\",\"phy\":\"eth1\",\"agent\":\"linux0\",\"cpu\":7,\"irq\":47,"
            + "\"policy\":{\"linkwatchIntervalMs\":0}}");
        post("{\"name\":\"virtio-net6\",\"phy\":\"eth1\",\"agent\":\"linux0\",\"cpu\":2,\"irq\":46,"
            + "\"policy\":{\"linkwatchIntervalMs\":0}}");

        // THEN the C driver probes it and publishes its retained view, carrier up
        mqtt.awaitLast(C_VIEW, r -> !r.isEmpty() && "c".equals(r.json().getString("driver"))
            && r.json().getBoolean("carrier"), BOUND);
        c.awaitOutput("probed virtio-net7", 1, BOUND);

        // WHEN the cable is pulled and plugged back THEN the view follows, and ANNOUNCE on the way up is ACKed
        long t = System.nanoTime();
        cable(mqtt, false);
        awaitCarrier(mqtt, C_VIEW, false, t);
        t = System.nanoTime();
        cable(mqtt, true);
        awaitCarrier(mqtt, C_VIEW, true, t);
        mqtt.awaitLast(C_VIEW, r -> !r.isEmpty() && r.json().getLong("announces") >= 1, BOUND);
        mqtt.awaitAny("vnet/virtio/virtio-net7/ctrl", r -> r.text().equals("{\"class\":3,\"cmd\":0}"), BOUND);
        mqtt.awaitLast("vnet/virtio/virtio-net7/config", r -> r.payload().length == 28 && (r.payload()[10] & 2) == 0,
            BOUND); // the backend cleared ANNOUNCE after the ACK

        // AND over 20 cable changes, the C frontend's view follows every one; latency against the Java frontend's
        measureCableChanges(mqtt);

        // AND the Java decoders read every view and ctrl message the C frontend wrote, to the same fields
        assertJavaReadsWhatCWrote(mqtt);

        // WHEN the C frontend is SIGKILLed and the cable pulled while it is dead THEN a new process converges
        assertThat(c.kill()).isEqualTo(137);
        cable(mqtt, false);
        mqtt.awaitLast(JAVA_VIEW, r -> !r.isEmpty() && !r.json().getBoolean("carrier"), BOUND);
        Instant restarted = Instant.now();
        t = System.nanoTime();
        c = startC(frontend, broker.uri());
        double killMs = (awaitCarrier(mqtt, C_VIEW, false, t) - t) / 1e6;
        assertThat(Instant.parse(mqtt.last(C_VIEW).orElseThrow().json().getString("ts"))).isAfter(restarted);

        // WHEN the broker restarts with an empty retained store THEN the C frontend reconnects and follows again
        long brokerDown = System.nanoTime();
        broker.restart();
        long brokerUp = System.nanoTime();
        mqtt.close();
        mqtt = TestMqtt.connect(broker.uri()).subscribe("vnet/#");
        c.awaitOutput("connected to", 2, RECOVERY_BOUND);
        TestMqtt observer = mqtt;
        observer.awaitLast(C_VIEW, r -> !r.isEmpty() && !r.json().getBoolean("carrier"), RECOVERY_BOUND);
        double brokerMs = (System.nanoTime() - brokerUp) / 1e6;
        String recovery = String.format(Locale.ROOT, "kill -9: a new C frontend's view %.0f ms after its start; broker restart "
            + "(%.0f ms down): the C view back %.0f ms after the broker accepted again%n", killMs,
            (brokerUp - brokerDown) / 1e6, brokerMs);
        LOG.info("RECOVERY {}", recovery.strip());
        Files.writeString(Path.of("target", "c-frontend-latency.txt"), recovery, java.nio.file.StandardOpenOption.APPEND);
        // (the sim agent takes commands again once it has resubscribed: its retained state is back)
        observer.awaitLast("vnet/phy/linux0/eth1/state", r -> !r.isEmpty(), RECOVERY_BOUND);
        observer.awaitLast("vnet/virtio/virtio-net7/device", r -> !r.isEmpty(), RECOVERY_BOUND);
        observer.awaitLast(JAVA_VIEW, r -> !r.isEmpty(), RECOVERY_BOUND);
        t = System.nanoTime();
        cable(mqtt, true);
        awaitCarrier(mqtt, C_VIEW, true, t);

        // WHEN the instance is hot-unplugged THEN the driver is removed and its retained view cleared
        HttpResponse<String> del = http.send(HttpRequest.newBuilder(api("/api/instances/virtio-net7")).DELETE().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(del.statusCode()).as(del.body()).isBetween(200, 299);
        mqtt.awaitLast(C_VIEW, TestMqtt.Received::isEmpty, BOUND);
        c.awaitOutput("removed virtio-net7", 1, BOUND);

        // AND a clean stop exits 0; no run of the C frontend reported a sanitizer error
        assertThat(c.stop()).as(c.tail()).isZero();
        for (NativeProcess run : cRuns) {
          assertThat(run.output()).as(run.tail()).doesNotContain("Sanitizer").doesNotContain("runtime error:");
        }
      } finally {
        mqtt.close();
        for (NativeProcess run : cRuns) {
          run.close();
        }
        LOG.info("{}", launcher.tail());
      }
    }
  }

  private NativeProcess startC(Path frontend, String brokerUri) {
    NativeProcess p = NativeProcess.start("vnet-frontend-run" + (cRuns.size() + 1), work,
        List.of(frontend.toString(), "--broker", brokerUri, "--cpu", "7"),
        Map.of("ASAN_OPTIONS", "detect_leaks=1", "UBSAN_OPTIONS", "print_stacktrace=1"));
    cRuns.add(p);
    return p;
  }

  /**
   * {@value #CABLE_CHANGES} cable changes on eth1, each awaited on both views: the time from the command
   * to each view's arrival at this observer. Writes the medians to target/c-frontend-latency.txt.
   */
  private void measureCableChanges(TestMqtt mqtt) throws Exception {
    List<Double> cMs = new ArrayList<>();
    List<Double> javaMs = new ArrayList<>();
    boolean carrier = true;
    for (int i = 0; i < CABLE_CHANGES; i++) {
      carrier = !carrier;
      long t0 = System.nanoTime();
      cable(mqtt, carrier);
      cMs.add((awaitCarrier(mqtt, C_VIEW, carrier, t0) - t0) / 1e6);
      javaMs.add((awaitCarrier(mqtt, JAVA_VIEW, carrier, t0) - t0) / 1e6);
    }
    double c = median(cMs);
    double java = median(javaMs);
    String line = String.format(Locale.ROOT, "cable changes %d: C frontend median %.2f ms (max %.2f), Java frontend "
        + "median %.2f ms (max %.2f), ratio %.2f%n", CABLE_CHANGES, c, Collections.max(cMs), java,
        Collections.max(javaMs), c / java);
    LOG.info("LATENCY {}", line.strip());
    Files.writeString(Path.of("target", "c-frontend-latency.txt"), line);
    // the README's target is 1.2x; asserted loosely here, as a shared 2-core machine makes single runs noisy
    assertThat(c).as(line).isLessThan(2 * java + 20);
  }

  private static void assertJavaReadsWhatCWrote(TestMqtt mqtt) {
    List<TestMqtt.Received> views = mqtt.received(C_VIEW).stream().filter(r -> !r.isEmpty()).toList();
    assertThat(views).hasSizeGreaterThan(CABLE_CHANGES);
    for (TestMqtt.Received r : views) {
      LinkView v = Codecs.LINK_VIEW.decode(r.payload());
      io.vertx.core.json.JsonObject j = r.json();
      assertThat(v.driver()).isEqualTo("c");
      assertThat(v.carrier()).isEqualTo(j.getBoolean("carrier"));
      assertThat(v.generation()).isEqualTo(j.getLong("generation"));
      assertThat(v.status()).isEqualTo(j.getInteger("status"));
      assertThat(v.mtu()).isEqualTo(j.getInteger("mtu"));
      assertThat(v.speed()).isEqualTo(j.getLong("speed") == -1 ? VirtioNetConfig.SPEED_UNKNOWN : j.getLong("speed"));
      assertThat(v.duplex().wireName()).isEqualTo(j.getString("duplex"));
      assertThat(v.announces()).isEqualTo(j.getLong("announces"));
      assertThat(v.mac()).matches("02(:[0-9a-f]{2}){5}|([0-9a-f]{2}:){5}[0-9a-f]{2}");
      assertThat(v.phyTs()).as("phyTs of " + r.text())
          .isEqualTo(j.containsKey("phyTs") ? Instant.parse(j.getString("phyTs")) : null);
    }
    assertThat(views.stream().filter(r -> r.json().containsKey("phyTs"))).as("views of a PHY change")
        .hasSizeGreaterThanOrEqualTo(CABLE_CHANGES);
    List<CtrlMessage> ctrl = mqtt.received("vnet/virtio/virtio-net7/ctrl").stream()
        .map(r -> Codecs.CTRL.decode(r.payload())).toList();
    assertThat(ctrl).anyMatch(m -> m instanceof CtrlMessage.DriverFeatures f
        && f.features().containsAll(List.of(VirtioFeature.STATUS, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MAC)));
    assertThat(ctrl).anyMatch(m -> m instanceof CtrlMessage.Command c && c.isAnnounceAck());
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static void cable(TestMqtt mqtt, boolean on) {
    mqtt.publish(CMD, "{\"op\":\"carrier\",\"value\":" + on + "}");
  }

  /** Waits for a view on {@code topic} with {@code carrier}, received after {@code since}; returns its receive time. */
  private static long awaitCarrier(TestMqtt mqtt, String topic, boolean carrier, long since) {
    return mqtt.awaitAny(topic, r -> r.receivedNanos() > since && !r.isEmpty()
        && r.json().getBoolean("carrier") == carrier, BOUND).receivedNanos();
  }

  private void post(String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(api("/api/instances"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isBetween(200, 299);
  }

  private URI api(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
