package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import io.virtnet.testsupport.TestMqtt;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The shaded launcher.jar as a user runs it: a real process, printed addresses, Ctrl-C/SIGTERM. */
class LauncherProcessIT {
  private static final Pattern MQTT_LINE = Pattern.compile("MQTT broker: tcp://127\\.0\\.0\\.1:(\\d+)");
  private static final Pattern HTTP_LINE = Pattern.compile("Dashboard: http://127\\.0\\.0\\.1:(\\d+)/");

  private final List<Process> processes = new ArrayList<>();
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  private Process launch(List<String> prefix, String... args) throws IOException {
    String jar = System.getProperty("launcher.jar", "target/launcher.jar");
    assertThat(Path.of(jar)).exists();
    List<String> cmd = new ArrayList<>(prefix);
    cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
    cmd.addAll(List.of(args));
    Process pr = new ProcessBuilder(cmd).start();
    processes.add(pr);
    pump(pr.getInputStream(), stdout);
    pump(pr.getErrorStream(), stderr);
    return pr;
  }

  private static void pump(java.io.InputStream in, List<String> sink) {
    Thread t = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          sink.add(line);
        }
      } catch (IOException e) {
        // process gone
      }
    });
    t.setDaemon(true);
    t.start();
  }

  private int awaitPrinted(Pattern p) {
    await().atMost(Duration.ofSeconds(60)).until(() -> stdout.stream().anyMatch(l -> p.matcher(l).matches()));
    for (String l : stdout) {
      Matcher m = p.matcher(l);
      if (m.matches()) {
        return Integer.parseInt(m.group(1));
      }
    }
    throw new AssertionError("not printed: " + p);
  }

  @Test
  void defaultStack_cablePullReachesTheFrontends_andSigtermStopsItCleanly() throws Exception {
    Process launcher = launch(List.of(), "--mqtt-port", "0", "--http-port", "0");
    int mqttPort = awaitPrinted(MQTT_LINE);
    int httpPort = awaitPrinted(HTTP_LINE);
    // it warmed up before saying ready, and the warm-up's private copy left nothing in the broker's store
    assertThat(stderr).anyMatch(l -> l.matches(".*warm-up: [1-9]\\d* link changes .*"));
    try (TestMqtt all = TestMqtt.connect("tcp://127.0.0.1:" + mqttPort).subscribe("#")) {
      all.publish("probe/marker", "m");
      all.awaitAny("probe/marker", m -> true, Duration.ofSeconds(10));
      assertThat(all.received()).filteredOn(TestMqtt.Received::retained).isNotEmpty()
          .allSatisfy(m -> assertThat(m.topic()).startsWith("vnet/"));
    }
    try (TestMqtt mqtt = TestMqtt.connect("tcp://127.0.0.1:" + mqttPort).subscribe("vnet/#")) {
      String v0 = "vnet/rtos/2/virtio-net0/link";
      String v2 = "vnet/rtos/3/virtio-net2/link";
      mqtt.awaitJson(v0, "carrier", true, Duration.ofSeconds(10));
      mqtt.awaitJson(v2, "carrier", true, Duration.ofSeconds(10));
      long announces = mqtt.last(v0).orElseThrow().json().getLong("announces");

      mqtt.publish("vnet/phy/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":false}");
      mqtt.awaitJson(v0, "carrier", false, Duration.ofSeconds(2));
      mqtt.awaitJson(v2, "carrier", false, Duration.ofSeconds(2));
      mqtt.publish("vnet/phy/linux0/eth0/cmd", "{\"op\":\"carrier\",\"value\":true}");
      JsonObject back = mqtt.awaitJson(v0, "carrier", true, Duration.ofSeconds(2));
      mqtt.awaitJson(v2, "carrier", true, Duration.ofSeconds(2));
      assertThat(back.getLong("announces")).isEqualTo(announces + 1);

      HttpResponse<String> health = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);

      // WHEN the user presses Ctrl-C (SIGTERM here)
      long t0 = System.nanoTime();
      launcher.destroy();
      assertThat(launcher.waitFor(15, TimeUnit.SECONDS)).as("stopped within 15 s").isTrue();
      long stopMs = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("launcher stopped " + stopMs + " ms after SIGTERM");

      // THEN holds were put and offline published explicitly before the broker went away
      assertThat(mqtt.last("vnet/phy/linux0/eth0/ref/virtio-net0").orElseThrow().isEmpty()).isTrue();
      assertThat(mqtt.last("vnet/phy/linux0/eth0/ref/virtio-net2").orElseThrow().isEmpty()).isTrue();
      assertThat(mqtt.last("vnet/backend/backend0/status").orElseThrow().json().getString("state")).isEqualTo("offline");
      assertThat(mqtt.last("vnet/phy/linux0/status").orElseThrow().json().getString("state")).isEqualTo("offline");
    }
    assertThat(String.join("\n", stderr)).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void badFlagsExitWith2AndSayWhy() throws Exception {
    Process pr = launch(List.of(), "--mqtt-port", "x");
    assertThat(pr.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(pr.exitValue()).isEqualTo(2);
    await().atMost(Duration.ofSeconds(5)).until(() -> String.join("\n", stderr).contains("--mqtt-port"));
  }

  @Test
  @Tag("kernel")
  void inANetworkNamespace_netlinkSourceKeepsVirtioNet0EqualToTheKernelsEth0() throws Exception {
    String ns = "vnlaunch-" + UUID.randomUUID().toString().substring(0, 6);
    if (!run("ip", "netns", "add", ns)) {
      if ("true".equals(System.getenv("CI"))) {
        fail("cannot create a network namespace under CI");
      }
      Assumptions.abort("no network namespaces here");
    }
    try {
      Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/mosquitto_sub")) || "true".equals(System.getenv("CI")),
          "mosquitto_sub (Debian mosquitto-clients) is not installed");
      assertThat(run("ip", "-n", ns, "link", "set", "lo", "up")).isTrue();
      assertThat(run("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0")).isTrue();
      assertThat(run("ip", "-n", ns, "link", "set", "eth0", "up")).isTrue();
      assertThat(run("ip", "-n", ns, "link", "set", "peer0", "up")).isTrue();

      launch(List.of("ip", "netns", "exec", ns), "--phy-source", "netlink", "--mqtt-port", "0", "--http-port", "0");
      int mqttPort = awaitPrinted(MQTT_LINE);
      List<String> views = new CopyOnWriteArrayList<>();
      Process sub = new ProcessBuilder("ip", "netns", "exec", ns, "mosquitto_sub", "-p", Integer.toString(mqttPort),
          "-t", "vnet/rtos/2/virtio-net0/link").start();
      processes.add(sub);
      pump(sub.getInputStream(), views);
      await().atMost(Duration.ofSeconds(10)).until(() -> lastCarrier(views) == Boolean.TRUE);

      boolean up = true;
      for (int i = 0; i < 20; i++) {
        up = !up;
        assertThat(run("ip", "-n", ns, "link", "set", "peer0", up ? "up" : "down")).isTrue();
      }
      up = !up;
      assertThat(run("ip", "-n", ns, "link", "set", "peer0", up ? "up" : "down")).isTrue();
      boolean expected = up;
      await().atMost(Duration.ofSeconds(5)).until(() -> lastCarrier(views) == expected);
    } finally {
      processes.forEach(Process::destroy);
      for (Process pr : processes) {
        pr.waitFor(15, TimeUnit.SECONDS);
      }
      run("ip", "netns", "del", ns);
    }
  }

  private static Boolean lastCarrier(List<String> views) {
    for (int i = views.size() - 1; i >= 0; i--) {
      String v = views.get(i).trim();
      if (v.startsWith("{")) {
        return new JsonObject(v).getBoolean("carrier");
      }
    }
    return null;
  }

  private static boolean run(String... cmd) throws InterruptedException {
    try {
      Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      pr.getInputStream().readAllBytes();
      return pr.waitFor(10, TimeUnit.SECONDS) && pr.exitValue() == 0;
    } catch (IOException e) {
      return false;
    }
  }
}
