package io.virtnet.systemtests.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import io.virtnet.systemtests.reliability.StackProcesses.Service;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGKILL of each service process in turn, mid-storm, then a restart: afterwards every frontend shows
 * its PHY's final state and every hold is where the bindings say. One stack (embedded HiveMQ CE in
 * this JVM; agent, backend and frontend as processes) for the whole class.
 *
 * <p>Bounds, from the services' timings: a restarted JVM needs up to ~10 s on a loaded 2-core machine
 * to connect; then a retained resync, DRIVER_OK and one linkwatch interval (1 s). The convergence
 * bound after a restart is therefore {@value #RESTART_BOUND_S} s; the agent's will reaches the
 * frontends within {@value #WILL_BOUND_S} s (will at once, link down coalesced by linkwatch ≤ 1 s).
 */
@Tag("reliability")
@Timeout(240)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessKillIT {
  private static final Logger LOG = LoggerFactory.getLogger(ProcessKillIT.class);
  static final long RESTART_BOUND_S = 30;
  static final long WILL_BOUND_S = 5;
  static final Duration RESTART_BOUND = Duration.ofSeconds(RESTART_BOUND_S);

  @TempDir static Path work;
  private static EmbeddedStack env;
  private static StackProcesses stack;
  private static Injector injector;

  @BeforeAll
  static void startStack() {
    env = new EmbeddedStack("kill", work);
    stack = env.stack;
    injector = env.injector;
  }

  @AfterAll
  static void stopStack() {
    if (env != null) {
      env.close();
    }
  }

  /** Commands of the background storm: 2 PHYs × 50 flaps (off, on) at 100 commands/s, about 2 s. */
  static final int STORM_COMMANDS = 2 * 50 * 2;

  /** A storm on both PHYs in the background, once the observer has seen 40 % of its commands. */
  private static CompletableFuture<Injector.Run> stormUnderWay() {
    int before = stack.commandsSeen();
    CompletableFuture<Injector.Run> storm =
        CompletableFuture.supplyAsync(() -> injector.ok("storm", "--phys", "eth0,eth1", "--flaps", "50", "--rate", "100"));
    stack.awaitCommands("storm 40 % through", before, STORM_COMMANDS * 2 / 5, Duration.ofSeconds(10));
    assertThat(storm).as("storm still running at the fault").isNotDone();
    return storm;
  }

  /** Kill/restart cycles per service. */
  static final int CYCLES = 3;

  /** Cycle {@code c} ends with this PHY's cable pulled (the storm itself ends with every carrier on). */
  private static String pulled(int c) {
    return c % 2 == 0 ? "eth1" : "eth0";
  }

  private static Map<String, Boolean> finalPhys(int c) {
    return Map.of("eth0", !pulled(c).equals("eth0"), "eth1", !pulled(c).equals("eth1"));
  }

  /**
   * {@link #CYCLES} times: a storm runs; {@code service} is SIGKILLed mid-storm; the storm ends and
   * one cable is pulled while it is away; it restarts. Returns the convergence times after the restarts.
   */
  private static List<Duration> killDuringStormAndRestart(Service service) {
    List<Duration> times = new ArrayList<>();
    for (int c = 0; c < CYCLES; c++) {
      // GIVEN a storm running (and the cable pulled at the end of the previous cycle plugged back by it)
      CompletableFuture<Injector.Run> storm = stormUnderWay();
      // WHEN the service is killed mid-storm
      assertThat(stack.kill(service)).isEqualTo(137);
      // and the PHYs keep changing while it is away: the storm ends (all on), then one cable is pulled
      storm.join();
      injector.ok("carrier", pulled(c), "off");
      Instant restart = Instant.now();
      stack.restart(service);
      // only views the frontends publish after the restart count: proves they follow the new process
      stack.requireViewsSince(restart);

      // THEN every frontend shows the PHYs' final state within the bound
      Duration took = stack.awaitConverged(service + " SIGKILL + restart #" + (c + 1), RESTART_BOUND, finalPhys(c));
      times.add(took);
      stack.awaitHealthy(RESTART_BOUND);
      stack.assertHoldsMatchBindings();
      injector.ok("carrier", pulled(c), "on");
    }
    return times;
  }

  @Test
  @Order(1)
  void backendSigkillMidStorm_restartedBackendResyncsEveryFrontend() {
    List<Duration> times = killDuringStormAndRestart(Service.BACKEND);
    LOG.info("RELIABILITY backend-kill: {} cycles, converged after restart in {} ms", CYCLES, millis(times));
    assertThat(stack.allAlive()).isTrue();
  }

  @Test
  @Order(2)
  void frontendSigkillMidStorm_restartedFrontendShowsFinalState() {
    List<Duration> times = killDuringStormAndRestart(Service.FRONTEND);
    LOG.info("RELIABILITY frontend-kill: {} cycles, converged after restart in {} ms", CYCLES, millis(times));
    assertThat(stack.allAlive()).isTrue();
  }

  static List<Long> millis(List<Duration> times) {
    return times.stream().map(Duration::toMillis).toList();
  }

  @Test
  @Order(3)
  void agentSigkill_willTakesEveryLinkDown_andRestartRestoresStateAndHolds() {
    CompletableFuture<Injector.Run> storm = stormUnderWay();
    // WHEN the agent is killed mid-storm: its will ("offline") fires and onAgentLoss=down applies
    assertThat(stack.kill(Service.AGENT)).isEqualTo(137);
    Instant killed = Instant.now();
    // a view that was already down mid-storm is not published again, so no freshness is required here
    stack.requireViewsSince(Instant.EPOCH);
    stack.awaitConverged("agent SIGKILL (will)", Duration.ofSeconds(WILL_BOUND_S), null, false);
    Duration down = Duration.between(killed, Instant.now());
    storm.join(); // its remaining commands went to no one
    assertThat(stack.viewCarriers()).as("every frontend carrier after the will").containsOnlyKeys(
        "virtio-net0", "virtio-net1", "virtio-net2").doesNotContainValue(true);
    LOG.info("RELIABILITY agent-kill: every frontend carrier off {} ms after SIGKILL", down.toMillis());

    // WHEN it restarts: the sim PHYs come back as configured (both up), as a rebooted host's would
    Instant restart = Instant.now();
    stack.restart(Service.AGENT);
    stack.requireViewsSince(restart);
    Duration up = stack.awaitConverged("agent restart", RESTART_BOUND, Map.of("eth0", true, "eth1", true));
    LOG.info("RELIABILITY agent-restart: converged {} ms after the restart was launched", up.toMillis());
    stack.assertHoldsMatchBindings();

    // AND the restarted agent counts the backend's holds again: unregistering a held PHY waits for its
    // holder (netdev_wait_allrefs), which the event's reg UNREGISTERING shows, until the backend puts it
    Instant before = Instant.now();
    injector.ok("unregister", "eth1");
    JsonObject unregister = new JsonObject(io.vertx.core.buffer.Buffer.buffer(stack.observer().awaitMatching(
        "NETDEV_UNREGISTER on eth1", Duration.ofSeconds(10), r -> r.topic().equals("vnet/phy/linux0/eth1/event")
            && r.text().contains("NETDEV_UNREGISTER")).payload()));
    assertThat(unregister.getString("reg")).as("the restarted agent knew eth1 was held").isEqualTo("UNREGISTERING");
    await("eth1 released and gone").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> stack.refHeld(StackProcesses.INSTANCES.get(1)).equals(java.util.Optional.of(false))
            && stack.phyState("eth1").isEmpty());
    LOG.info("RELIABILITY agent-restart: held eth1 unregistered and released in {} ms",
        Duration.between(before, Instant.now()).toMillis());
    injector.ok("register", "eth1");
    stack.awaitConverged("eth1 registered again", Duration.ofSeconds(10), Map.of("eth0", true, "eth1", true));
    stack.assertHoldsMatchBindings();
  }

  @Test
  @Order(4)
  void cleanStopOfTheBackend_leavesNoHoldNoDeviceNoConfig() {
    assertThat(stack.allAlive()).as("no service died during the class" + stack.logs()).isTrue();
    // WHEN the backend stops cleanly (SIGTERM, as docker stop)
    stack.stop(Service.BACKEND);
    // THEN every hold is put and nothing is left retained by it
    await("holds put, devices and configs cleared").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
        .untilAsserted(stack::assertNoRetainedLeftovers);
  }
}
