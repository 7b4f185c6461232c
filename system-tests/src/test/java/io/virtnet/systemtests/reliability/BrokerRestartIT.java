package io.virtnet.systemtests.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.systemtests.support.EnvFile;
import io.virtnet.systemtests.support.Mosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker goes away mid-storm and comes back on the same port with an empty retained store: the
 * services reconnect (capped exponential backoff with jitter, at most {@code 5 s} between attempts),
 * re-subscribe, and refill the store with their retained state, holds and views; the frontends end on
 * the PHYs' final state. Two brokers: the embedded HiveMQ CE (stopped and started in this JVM) and
 * Debian's Mosquitto with the compose stack's config, logins and ACL (SIGKILL, no persistence).
 *
 * <p>Bound after the broker accepts again: {@value #RECOVERY_BOUND_S} s = one full backoff step (5 s)
 * + resubscribe and republish + a linkwatch interval (1 s), with margin for a loaded 2-core machine.
 */
@Tag("reliability")
@Timeout(240)
class BrokerRestartIT {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerRestartIT.class);
  static final long RECOVERY_BOUND_S = 15;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(RECOVERY_BOUND_S);
  /** Broker restarts per broker. */
  static final int RESTARTS = 3;

  @TempDir Path work;

  @Test
  void embeddedHiveMq_stoppedAndStartedMidStorm_servicesRefillItAndFrontendsConverge() {
    try (EmbeddedBroker broker = EmbeddedBroker.start(0);
        StackProcesses stack = new StackProcesses("hivemq-restart", broker.port(), null, work).start()) {
      Injector injector = new Injector(broker.uri(), null, null);
      List<Duration> times = restartsMidStorm(stack, injector, n -> broker.restart());
      LOG.info("RELIABILITY broker-restart hivemq: {} restarts, converged {} ms after the broker accepted again",
          RESTARTS, ProcessKillIT.millis(times));
    }
  }

  @Test
  void mosquitto_sigkilledAndRestartedMidStorm_servicesRefillItAndFrontendsConverge() {
    Mosquitto.requireBinary();
    // the temp dir itself: mosquitto (dropping root) must be able to search every directory above its files
    Path brokerDir = work;
    Map<String, String> passwords = EnvFile.mqttPasswords();
    try (Mosquitto broker = Mosquitto.start("deploy/mosquitto/mosquitto.conf", brokerDir, null);
        StackProcesses stack = new StackProcesses("mosquitto-restart", broker.port(), passwords, work).start()) {
      Injector injector = new Injector(broker.tcpUri(), "injector", passwords.get("injector"));
      List<Duration> times = restartsMidStorm(stack, injector, n -> {
        broker.kill();
        broker.restart(n);
      });
      LOG.info("RELIABILITY broker-restart mosquitto: {} SIGKILL restarts, converged {} ms after the broker accepted again",
          RESTARTS, ProcessKillIT.millis(times));
    }
  }

  /**
   * {@link #RESTARTS} times: a storm on both PHYs; the broker restarts 1 s into it (the storm's
   * client then fails: no automatic reconnect, by design); once the broker accepts again the
   * services must refill it and converge on whatever state the PHYs were left in, with no command
   * sent; then the stack must still work: a storm, one cable pulled, converged on that.
   */
  private static List<Duration> restartsMidStorm(StackProcesses stack, Injector injector, IntConsumer restartBroker) {
    List<Duration> times = new ArrayList<>();
    for (int n = 1; n <= RESTARTS; n++) {
      // GIVEN a storm: 2 PHYs × 100 flaps (off, on) at 100 commands/s, about 4 s, a quarter through
      int before = stack.commandsSeen();
      CompletableFuture<Injector.Run> storm = CompletableFuture.supplyAsync(
          () -> injector.run("storm", "--phys", "eth0,eth1", "--flaps", "100", "--rate", "100"));
      stack.awaitCommands("storm a quarter through", before, 100, Duration.ofSeconds(10));
      assertThat(storm).as("storm still running at the restart").isNotDone();

      // WHEN the broker restarts mid-storm, empty
      restartBroker.accept(n);
      long accepted = System.nanoTime();
      Injector.Run cut = storm.join();
      LOG.info("storm cut by broker restart #{}: exit {}, {}", n, cut.exitCode(), lastLine(cut.output()));
      stack.connectObserver(); // a fresh record: only what the services republish counts

      // THEN with no further command the services refill the store and every frontend shows the PHYs' state
      stack.awaitConverged("broker restart #" + n, RECOVERY_BOUND, null);
      Duration took = Duration.ofNanos(System.nanoTime() - accepted);
      times.add(took);
      stack.awaitHealthy(RECOVERY_BOUND);
      stack.assertHoldsMatchBindings();

      // AND it still follows new changes (subscriptions are back): a storm, then one cable pulled
      String pulled = n % 2 == 0 ? "eth0" : "eth1";
      injector.ok("storm", "--phys", "eth0,eth1", "--flaps", "5", "--rate", "100");
      injector.ok("carrier", pulled, "off");
      stack.awaitConverged("cable pull after broker restart #" + n, Duration.ofSeconds(5),
          Map.of("eth0", !pulled.equals("eth0"), "eth1", !pulled.equals("eth1")));
      injector.ok("carrier", pulled, "on");
      assertThat(stack.allAlive()).as("no service died" + stack.logs()).isTrue();
    }
    return times;
  }

  private static String lastLine(String s) {
    String[] lines = s.strip().split("\n");
    return lines[lines.length - 1];
  }
}
