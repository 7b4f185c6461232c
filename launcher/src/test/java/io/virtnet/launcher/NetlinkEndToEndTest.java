package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.agent.netlink.NetlinkPhySource;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real kernel end to end: the agent watches a veth end named eth0 in a fresh network namespace
 * through rtnetlink, and virtio-net0's frontend follows random peer flaps to the kernel's final state.
 */
@Tag("kernel")
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class NetlinkEndToEndTest {
  private final String ns = "vne2e-" + UUID.randomUUID().toString().substring(0, 8);
  private InProcessStack stack;
  private TestMqtt mqtt;

  @BeforeEach
  void createNamespaceWithVeth() throws Exception {
    String why = run("ip", "netns", "add", ns);
    if (why != null) {
      if ("true".equals(System.getenv("CI"))) {
        fail("cannot create a network namespace under CI: " + why);
      }
      Assumptions.abort("no network namespaces here (" + why + ")");
    }
    must("ip", "-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0");
    must("ip", "-n", ns, "link", "set", "eth0", "up");
    must("ip", "-n", ns, "link", "set", "peer0", "up");
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (stack != null) {
      stack.stop().await(20, TimeUnit.SECONDS);
    }
    if (mqtt != null) {
      mqtt.close();
    }
    run("ip", "netns", "del", ns);
  }

  @Test
  void frontendFollowsFiftyRandomPeerFlaps_toTheKernelsFinalState(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    StackOptions options = TestStacks.defaultOptions(p).withPhySource(AgentConfig.Source.NETLINK, List.of());
    stack = TestStacks.deploy(vertx, broker, options, NetlinkPhySource.inNamespace(Path.of("/var/run/netns", ns)));
    mqtt = TestMqtt.connect(broker.uri()).subscribe(p + "/#");
    String link = p + "/rtos/2/virtio-net0/link";
    mqtt.awaitJson(link, "carrier", true, Duration.ofSeconds(10));

    // WHEN the peer flaps 50 times at random (0-20 ms apart), ending in a random state
    Random random = new Random(Long.getLong("flapSeed", System.nanoTime()));
    long seed = random.nextLong();
    random.setSeed(seed);
    System.out.println("NetlinkEndToEndTest seed " + seed);
    boolean peerUp = true;
    for (int i = 0; i < 50; i++) {
      peerUp = !peerUp;
      must("ip", "-n", ns, "link", "set", "peer0", peerUp ? "up" : "down");
      long pause = random.nextInt(21);
      if (pause > 0) {
        // pacing the flaps themselves, not waiting for a result
        TimeUnit.MILLISECONDS.sleep(pause);
      }
    }
    if (random.nextBoolean()) {
      peerUp = !peerUp;
      must("ip", "-n", ns, "link", "set", "peer0", peerUp ? "up" : "down");
    }

    // THEN the frontend ends where the kernel is (linkwatch interval 1 s + transport slack)
    boolean kernelCarrier = kernelCarrier("eth0");
    assertThat(kernelCarrier).isEqualTo(peerUp);
    mqtt.awaitJson(link, "carrier", kernelCarrier, Duration.ofSeconds(5));
    JsonObject state = mqtt.last(p + "/phy/linux0/eth0/state").orElseThrow().json();
    assertThat(state.getBoolean("carrier")).isEqualTo(kernelCarrier);
    assertThat(state.getLong("carrierDownCount")).isGreaterThanOrEqualTo(25);
  }

  private boolean kernelCarrier(String ifname) throws Exception {
    Process pr = new ProcessBuilder("ip", "-n", ns, "-j", "link", "show", ifname).redirectErrorStream(true).start();
    String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    pr.waitFor(10, TimeUnit.SECONDS);
    JsonObject link = new JsonArray(out).getJsonObject(0);
    return link.getJsonArray("flags").contains("LOWER_UP");
  }

  private static void must(String... cmd) throws Exception {
    String why = run(cmd);
    if (why != null) {
      throw new IllegalStateException(String.join(" ", cmd) + ": " + why);
    }
  }

  /** Runs a command; null on success, else its output. */
  private static String run(String... cmd) throws InterruptedException {
    try {
      Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!pr.waitFor(10, TimeUnit.SECONDS)) {
        pr.destroyForcibly();
        return "timed out";
      }
      return pr.exitValue() == 0 ? null : out.isEmpty() ? "exit " + pr.exitValue() : out;
    } catch (IOException e) {
      return e.getMessage();
    }
  }
}
