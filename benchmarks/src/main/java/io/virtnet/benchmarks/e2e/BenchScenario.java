package io.virtnet.benchmarks.e2e;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One bench scenario: {@code phys} sim PHYs ({@code eth0..}) watched by {@code instances} virtio-net
 * instances ({@code vn0..}, instance i on PHY {@code i mod phys}, CPU {@code i mod cpus}), carrier
 * changes at {@code rate} commands per second overall ({@code 0} = as fast as it goes: each PHY's next
 * change as soon as every instance showed the previous one), warm-up then measurement. {@code idle}
 * scenarios send nothing: they only bring the instances up (memory).
 */
public record BenchScenario(String name, String description, int phys, int instances, int cpus, double rate,
    Duration warmup, Duration measure, long seed, boolean idle) {
  /** The agent the generated stack runs. */
  public static final String AGENT = "linux0";

  public BenchScenario {
    if (phys < 1 || instances < phys || cpus < 1 || cpus > 64 || rate < 0 || instances > 100_000) {
      throw new IllegalArgumentException("scenario " + name + ": need 1 <= phys <= instances <= 100000, 1 <= cpus <= 64, rate >= 0");
    }
  }

  /**
   * The scenarios: (a) 1 PHY, 1 instance, 100 changes/s; (b) 8 PHYs, 64 instances, 2,000
   * delivered events/s; (c) 100 PHYs, 1,000 instances, as fast as it goes; (d) 10,000 idle instances.
   */
  public static List<BenchScenario> standard(Duration warmup, Duration measure, long seed) {
    return List.of(
        new BenchScenario("a", "1 PHY, 1 instance, 100 carrier changes/s", 1, 1, 1, 100, warmup, measure, seed, false),
        // 8 instances per PHY: 250 commands/s deliver 2,000 link events/s (one PHY change every 32 ms)
        new BenchScenario("b", "8 PHYs, 64 instances, 2,000 delivered events/s", 8, 64, 2, 250, warmup, measure, seed, false),
        new BenchScenario("c", "100 PHYs, 1,000 instances, as fast as it goes", 100, 1000, 4, 0, warmup, measure, seed, false),
        new BenchScenario("d", "10,000 instances idle (memory)", 100, 10_000, 4, 0, warmup, measure, seed, true));
  }

  /** The standard scenario named {@code name} (a, b, c or d). */
  public static BenchScenario standard(String name, Duration warmup, Duration measure, long seed) {
    return standard(warmup, measure, seed).stream().filter(s -> s.name.equalsIgnoreCase(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown scenario '" + name + "' (a, b, c or d)"));
  }

  public BenchScenario withTimes(Duration warmup, Duration measure) {
    return new BenchScenario(name, description, phys, instances, cpus, rate, warmup, measure, seed, idle);
  }

  public static String phyName(int p) {
    return "eth" + p;
  }

  public static String instanceName(int i) {
    return "vn" + i;
  }

  /** The instance index of a name made by {@link #instanceName}, or -1. */
  public static int instanceIndex(String name) {
    if (name.length() < 3 || name.charAt(0) != 'v' || name.charAt(1) != 'n') {
      return -1;
    }
    int n = 0;
    for (int i = 2; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < '0' || c > '9' || i > 10) {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  public int phyOf(int instance) {
    return instance % phys;
  }

  public int cpuOf(int instance) {
    return instance % cpus;
  }

  /** How many instances watch PHY {@code p}. */
  public int fanout(int p) {
    return instances / phys + (p < instances % phys ? 1 : 0);
  }

  /** Delivered link events per second the rate asks for (0 when closed loop). */
  public double targetEventsPerSec() {
    return rate * instances / phys;
  }

  /**
   * The stack configuration for this scenario (JSON, which is also YAML): the sim PHYs, one backend
   * instance per virtio-net device with linkwatch off, the frontend CPUs. {@code prefix} is the topic prefix.
   */
  public JsonObject stackConfig(String prefix) {
    JsonArray phyList = new JsonArray();
    for (int p = 0; p < phys; p++) {
      phyList.add(new JsonObject().put("name", phyName(p)).put("mtu", 1500).put("speed", 1000).put("duplex", "full")
          .put("admin", true).put("carrier", true)
          .put("address", String.format(Locale.ROOT, "52:54:00:%02x:%02x:%02x", (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff)));
    }
    JsonArray inst = new JsonArray();
    for (int i = 0; i < instances; i++) {
      inst.add(new JsonObject().put("name", instanceName(i)).put("phy", phyName(phyOf(i))).put("agent", AGENT)
          .put("cpu", cpuOf(i)).put("irq", 32 + i)
          // linkwatch off: every change is reported at once, so the latency is the system's, not the policy's
          .put("policy", new JsonObject().put("linkwatchIntervalMs", 0)));
    }
    JsonArray cpuList = new JsonArray();
    for (int c = 0; c < cpus; c++) {
      cpuList.add(c);
    }
    return new JsonObject()
        .put("mqtt", new JsonObject().put("prefix", prefix))
        .put("agent", new JsonObject().put("name", AGENT).put("source", "sim").put("phys", phyList))
        .put("backend", new JsonObject().put("node", "backend0")
            .put("http", new JsonObject().put("host", "127.0.0.1").put("port", 0)).put("instances", inst))
        .put("frontend", new JsonObject().put("cpus", cpuList));
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "(%s) %s: phys=%d instances=%d cpus=%d rate=%s warmup=%ds measure=%ds seed=%d",
        name, description, phys, instances, cpus, rate == 0 ? "max(closed loop)" : rate + "/s",
        warmup.toSeconds(), measure.toSeconds(), seed);
  }
}
