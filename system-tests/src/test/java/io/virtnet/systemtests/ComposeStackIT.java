package io.virtnet.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.virtnet.testsupport.TestMqtt;
import io.virtnet.systemtests.support.ComposeFile;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import io.virtnet.systemtests.support.Ports;
import io.virtnet.systemtests.support.RepoLayout;
import io.virtnet.systemtests.support.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack without Docker: mosquitto with deploy/mosquitto's config and ACL, and
 * phy-agent, virtnet-backend and rtos-frontend as separate JVMs, each logged in as its own user,
 * started with the very commands of docker-compose.yml (only the broker address, the config path and
 * the HTTP port differ). A cable pull through the fault-injector reaches both frontends on eth0.
 */
@Timeout(180)
class ComposeStackIT {
  private static final Duration START_BOUND = Duration.ofSeconds(60);
  private static final Duration LINK_BOUND = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> LINKS =
      List.of("vnet/rtos/2/virtio-net0/link", "vnet/rtos/3/virtio-net2/link");

  @TempDir static Path work;
  private static Mosquitto broker;
  private static final List<ServiceProcess> services = new ArrayList<>();
  private static Map<String, String> passwords;
  private static TestMqtt observer;
  private static int httpPort;

  @BeforeAll
  static void startStack() {
    for (String module : List.of("phy-agent", "virtnet-backend", "rtos-frontend", "fault-injector")) {
      RepoLayout.requireJar(module);
    }
    broker = Mosquitto.start("deploy/mosquitto/mosquitto.conf", work, null);
    passwords = EnvFile.mqttPasswords();
    observer = services().login("observer", passwords.get("observer")).connect();
    observer.subscribe("vnet/#");
    httpPort = Ports.free();

    ComposeFile compose = ComposeFile.load("docker-compose.yml");
    for (String name : List.of("phy-agent", "virtnet-backend", "rtos-frontend")) {
      Map<String, Object> service = compose.service(name);
      String module = ComposeFile.module(service).orElseThrow();
      List<String> args = new ArrayList<>();
      for (String token : ComposeFile.list(service, "command")) {
        args.add(switch (token) {
          case "tcp://broker:1883" -> broker.tcpUri();
          case "/etc/virtnet/stack.yaml" -> RepoLayout.file("deploy/stack.yaml").toString();
          default -> token;
        });
      }
      ComposeFile.flag(args, "--http-port").ifPresent(p -> args.set(args.indexOf(p), String.valueOf(httpPort)));
      String user = ComposeFile.flag(args, "--username").orElseThrow();
      services.add(ServiceProcess.java("stack-" + name, RepoLayout.jar(module), args,
          Map.of("VNET_MQTT_PASSWORD", passwords.get(user))));
    }
  }

  @AfterAll
  static void stopStack() {
    services.forEach(ServiceProcess::close);
    if (observer != null) {
      observer.close();
    }
    if (broker != null) {
      broker.close();
    }
  }

  private static String logs() {
    StringBuilder b = new StringBuilder();
    services.forEach(s -> b.append('\n').append(s.tail()));
    return b.toString();
  }

  private static Optional<Boolean> carrier(String linkTopic) {
    return observer.last(linkTopic).filter(r -> r.payload().length > 0).map(r -> {
      try {
        JsonNode n = JSON.readTree(r.payload());
        return n.path("carrier").asBoolean();
      } catch (IOException e) {
        throw new AssertionError("bad link view on " + linkTopic + ": " + r.text(), e);
      }
    });
  }

  private static void awaitCarrier(boolean expected, Duration bound) {
    for (String topic : LINKS) {
      await(topic + " carrier " + expected).atMost(bound).pollInterval(Duration.ofMillis(50))
          .failFast("a service died" + logs(), () -> services.stream().anyMatch(s -> !s.isAlive()))
          .until(() -> carrier(topic).orElse(!expected) == expected);
    }
  }

  private static void injector(String... command) {
    List<String> args = new ArrayList<>(List.of("--broker", broker.tcpUri(), "--username", "injector",
        "--prefix", "vnet", "--agent", "linux0"));
    args.addAll(List.of(command));
    ServiceProcess p = ServiceProcess.java("stack-fault-injector-" + String.join("-", command),
        RepoLayout.jar("fault-injector"), args, Map.of("VNET_MQTT_PASSWORD", passwords.get("injector")));
    assertThat(p.waitFor(Duration.ofSeconds(30))).as("fault-injector " + args + "\n" + p.tail()).isZero();
  }

  private static int health() {
    try {
      return HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Test
  void cablePull_reachesBothFrontendsOnThatPhy_andPlugInBringsThemBack() {
    // GIVEN the stack up: backend healthy, both frontends on eth0 see carrier
    await("backend /health 200").atMost(START_BOUND).pollInterval(Duration.ofMillis(250))
        .failFast("a service died" + logs(), () -> services.stream().anyMatch(s -> !s.isAlive()))
        .until(ComposeStackIT::health, s -> s == 200);
    awaitCarrier(true, START_BOUND);

    // WHEN the cable of eth0 is pulled
    injector("carrier", "eth0", "off");
    // THEN both instances on eth0 lose carrier; the one on eth1 keeps it
    awaitCarrier(false, LINK_BOUND);
    assertThat(carrier("vnet/rtos/2/virtio-net1/link")).hasValue(true);

    // WHEN it is plugged back in THEN both come back
    injector("carrier", "eth0", "on");
    awaitCarrier(true, LINK_BOUND);
    assertThat(services).allSatisfy(s -> assertThat(s.isAlive()).as(s.name()).isTrue());
  }

  /** A test client for the broker as the services speak to it (MQTT 3.1.1). */
  private static TestMqtt.Options services() {
    return TestMqtt.to("127.0.0.1", broker.port()).mqtt311();
  }
}
