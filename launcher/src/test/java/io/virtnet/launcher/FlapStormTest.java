package io.virtnet.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.testsupport.TestMqtt;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 5's "done when": a 1,000-flap storm on eth0 at 1 ms intervals, default policy (linkwatch 1 s,
 * no hold, no dampening), raises at most a few dozen status IRQs per instance, and the frontends end
 * in the PHY's final state within 2 s of the storm's end.
 */
@Timeout(value = 120, timeUnit = TimeUnit.SECONDS)
class FlapStormTest extends DefaultStackTest {
  private static final Logger LOG = LoggerFactory.getLogger(FlapStormTest.class);
  private static final int FLAPS = 1000;
  /** "A few dozen". */
  private static final int MAX_IRQS_PER_INSTANCE = 36;
  private static final Duration WITHIN = Duration.ofSeconds(2);

  /** Status IRQs per instance among everything received on {@code {prefix}/rtos/+/irq} since {@code fromNanos}. */
  private Map<String, Integer> irqsSince(long fromNanos) {
    Map<String, Integer> counts = new TreeMap<>();
    for (TestMqtt.Received r : mqtt.received()) {
      if (r.receivedNanos() >= fromNanos && r.topic().startsWith(p + "/rtos/") && r.topic().endsWith("/irq")
          && !r.isEmpty()) {
        Codecs.IRQ.decode(r.payload()).irqs().forEach(irq -> counts.merge(irq.instance(), 1, Integer::sum));
      }
    }
    return counts;
  }

  @Test
  void thousandFlapStormOnEth0_costsAFewDozenIrqsPerInstance_andFrontendsEndInThePhysFinalState() throws Exception {
    String cmd = p + "/phy/linux0/eth0/cmd";
    long start = System.nanoTime();
    // WHEN eth0 flaps 1,000 times, one flap (carrier off, on) per millisecond, and the cable stays
    // pulled at the end
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    CompletableFuture<Long> stormEnd = new CompletableFuture<>();
    AtomicInteger flaps = new AtomicInteger();
    try {
      ScheduledFuture<?> task = timer.scheduleAtFixedRate(() -> {
        int n = flaps.incrementAndGet();
        if (n > FLAPS) {
          return;
        }
        mqtt.publish(cmd, "{\"op\":\"carrier\",\"value\":false}");
        if (n < FLAPS) {
          mqtt.publish(cmd, "{\"op\":\"carrier\",\"value\":true}");
        } else {
          stormEnd.complete(System.nanoTime());
        }
      }, 0, 1, TimeUnit.MILLISECONDS);
      long end = stormEnd.get(60, TimeUnit.SECONDS);
      task.cancel(false);
      LOG.info("storm: {} flaps in {} ms", FLAPS, (end - start) / 1_000_000);

      // THEN both frontends of eth0 show the PHY's final state (no carrier) within 2 s of the storm's end
      for (String l : new String[] {link(2, "virtio-net0"), link(3, "virtio-net2")}) {
        mqtt.awaitJson(l, "carrier", false, WITHIN.minusNanos(System.nanoTime() - end));
      }
      long converged = System.nanoTime();
      LOG.info("storm: frontends of eth0 converged {} ms after the storm's end", (converged - end) / 1_000_000);
      // … and stay there: once the backend holds no report back (linkwatch, hold) and each frontend
      // shows the backend's last config generation, nothing stale is still queued behind
      mqtt.awaitLast(p + "/phy/linux0/eth0/state", r -> !r.isEmpty() && !r.json().getBoolean("carrier"), WITHIN);
      awaitSettled(Map.of("virtio-net0", link(2, "virtio-net0"), "virtio-net2", link(3, "virtio-net2")));
      assertThat(mqtt.last(link(2, "virtio-net0")).orElseThrow().json().getBoolean("carrier")).isFalse();
      assertThat(mqtt.last(link(3, "virtio-net2")).orElseThrow().json().getBoolean("carrier")).isFalse();
      assertThat(mqtt.last(link(2, "virtio-net1")).orElseThrow().json().getBoolean("carrier"))
          .as("virtio-net1 follows eth1, untouched").isTrue();

      Map<String, Integer> irqs = irqsSince(start);
      LOG.info("storm: status IRQs per instance: {} (limit {} each)", irqs, MAX_IRQS_PER_INSTANCE);
      assertThat(irqs.getOrDefault("virtio-net0", 0)).isBetween(1, MAX_IRQS_PER_INSTANCE);
      assertThat(irqs.getOrDefault("virtio-net2", 0)).isBetween(1, MAX_IRQS_PER_INSTANCE);
      assertThat(irqs.getOrDefault("virtio-net1", 0)).isZero();
    } finally {
      timer.shutdownNow();
    }
  }

  /**
   * Waits until the backend holds no report back for the instances named (instance → its view's
   * topic), then for a marker to come back through the broker, then until each one's last view shows
   * at least the generation of the last IRQ raised for it.
   */
  private void awaitSettled(Map<String, String> views) {
    HttpClient http = HttpClient.newHttpClient();
    org.awaitility.Awaitility.await("backend holds nothing back").atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20)).until(() -> {
          for (String instance : views.keySet()) {
            JsonObject policy = new JsonObject(http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + stack.httpPort() + "/api/instances/" + instance)).build(),
                HttpResponse.BodyHandlers.ofString()).body()).getJsonObject("policy");
            if (policy.getBoolean("pending") || policy.getBoolean("holdPending")) {
              return false;
            }
          }
          return true;
        });
    String marker = p + "/test/marker";
    mqtt.publish(marker, "marker");
    mqtt.awaitAny(marker, r -> true, Duration.ofSeconds(5));
    org.awaitility.Awaitility.await("views at the last IRQ's generation").atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20)).until(() -> views.entrySet().stream().allMatch(e -> {
          long irq = lastIrqGeneration(e.getKey());
          long shown = mqtt.last(e.getValue()).orElseThrow().json().getLong("generation");
          return VirtioNetConfig.generationAtOrAfter(shown, irq);
        }));
  }

  /** The generation the last IRQ raised for {@code instance} announced. */
  private long lastIrqGeneration(String instance) {
    long last = 0;
    for (TestMqtt.Received r : mqtt.received()) {
      if (r.topic().startsWith(p + "/rtos/") && r.topic().endsWith("/irq") && !r.isEmpty()) {
        for (var irq : Codecs.IRQ.decode(r.payload()).irqs()) {
          if (irq.instance().equals(instance)) {
            last = irq.generation();
          }
        }
      }
    }
    return last;
  }
}
