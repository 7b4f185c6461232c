package io.virtnet.benchmarks;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.injector.BrokerSettings;
import io.virtnet.runtime.cli.Durations;
import io.virtnet.benchmarks.e2e.BareRelay;
import io.virtnet.benchmarks.e2e.BenchReport;
import io.virtnet.benchmarks.e2e.BenchRunner;
import io.virtnet.benchmarks.e2e.BenchScenario;
import io.virtnet.benchmarks.e2e.BrokerCounters;
import io.virtnet.benchmarks.e2e.HiveMqCounters;
import io.virtnet.benchmarks.e2e.MosquittoSysCounters;
import io.virtnet.benchmarks.sparse.SparseChangesRun;
import io.virtnet.launcher.InProcessStack;
import io.virtnet.launcher.StackOptions;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import io.virtnet.runtime.cli.CommandLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The whole bench in one JVM: for every scenario and broker (embedded HiveMQ CE, Debian's Mosquitto
 * as a child process), starts the broker, deploys the launcher's stack with the scenario's generated
 * config (linkwatch off), drives it with the fault-injector's bench logic, then measures the bare relay
 * through the same broker, and writes {@code target/bench/results.json}. Heap per instance is the heap
 * used after GC with the stack up minus the heap used after GC before it was deployed (the embedded
 * broker's own share of the stack's retained messages and subscriptions included; Mosquitto's not).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "End-to-end latency/throughput of the stack vs the bare broker, scenarios a-d, HiveMQ CE and Mosquitto.")
public final class BenchMain implements Callable<Integer> {
  @Option(names = "--scenarios", split = ",", defaultValue = "a,b,c,d", description = "default ${DEFAULT-VALUE}")
  List<String> scenarios;

  @Option(names = "--brokers", split = ",", defaultValue = "hivemq,mosquitto", description = "default ${DEFAULT-VALUE}")
  List<String> brokers;

  // the JIT needs more than a few seconds to compile the whole stack on 2 cores: with 3 s, (c)
  // measured 7,000-8,000 events/s run alone, 13,000+ with 15 s
  @Option(names = "--warmup", defaultValue = "10s", description = "default ${DEFAULT-VALUE}")
  String warmup;

  @Option(names = "--jvm-warmup", defaultValue = "20s",
      description = "extra warm-up of the first scenario of the run (a fresh JVM); default ${DEFAULT-VALUE}")
  String jvmWarmup;

  @Option(names = "--duration", defaultValue = "10s", description = "measurement per path; default ${DEFAULT-VALUE}")
  String duration;

  @Option(names = "--event-loops", description = "Vert.x event loops of the stack; default as the launcher's (half the CPUs)")
  int eventLoops = InProcessStack.defaultEventLoops();

  @Option(names = "--rounds", description = "alternating rounds of ours and bare the measurement is split into; default ${DEFAULT-VALUE}")
  int rounds = BenchRunner.DEFAULT_ROUNDS;

  @Option(names = "--bare-config-writes", description = BareRelay.CONFIG_WRITES_HELP)
  boolean bareConfigWrites;

  @Option(names = "--seed", defaultValue = "1", description = "default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--out", defaultValue = "target/bench/results.json", description = "default ${DEFAULT-VALUE}")
  Path out;

  @Option(names = "--launcher-jar", defaultValue = "launcher/target/launcher.jar",
      description = "scenario e: the launcher to run as a process; default ${DEFAULT-VALUE}")
  Path launcherJar;

  @Option(names = "--launcher-java-options", split = " ",
      description = "scenario e: JVM options for the launcher process (diagnostics); default none, its own settings")
  List<String> launcherJavaOptions = List.of();

  @Option(names = "--launcher-args", split = " ",
      description = "scenario e: more launcher arguments, e.g. \"--warmup 0s\"; default none, the launcher as shipped")
  List<String> launcherArgs = List.of();

  @Option(names = "--back-to-back", defaultValue = "100", description = "scenario e: changes back to back; default ${DEFAULT-VALUE}")
  int backToBack;

  @Option(names = "--sparse-changes", defaultValue = "20", description = "scenario e: changes after a quiet; default ${DEFAULT-VALUE}")
  int sparseChanges;

  @Option(names = "--quiet", defaultValue = "15s", description = "scenario e: the quiet before each sparse change; default ${DEFAULT-VALUE}")
  String quiet;

  private final PrintWriter log = new PrintWriter(System.out, true);

  public static void main(String[] args) {
    System.exit(CommandLines.create(new BenchMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Duration w = Durations.parse(warmup);
    Duration d = Durations.parse(duration);
    Duration jvm = Durations.parse(jvmWarmup);
    log.printf(Locale.ROOT, "bench: scenarios %s, brokers %s, warm-up %s, measure %s, seed %d; %d CPUs, %d event loops, max heap %d MiB, %s%n",
        scenarios, brokers, warmup, duration, seed, Runtime.getRuntime().availableProcessors(), eventLoops,
        Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.version"));
    log.println("bench: linkwatch is off (linkwatchIntervalMs 0) in every instance of a-d (e runs the default stack): "
        + "latency is per change, not the policy's delay");
    List<JsonObject> rows = new ArrayList<>();
    boolean ok = true;
    boolean first = true;
    for (String name : scenarios) {
      if (name.equals("e")) {
        // the launcher as shipped, with its own embedded broker: the brokers option does not apply
        log.println("bench: e, sparse changes on the default launcher (" + launcherJar + ")");
        rows.add(new SparseChangesRun(new SparseChangesRun.Options(launcherJar, launcherJavaOptions, launcherArgs, w, backToBack,
            SparseChangesRun.BACK_TO_BACK_SPACING, sparseChanges, Durations.parse(quiet),
            out.toAbsolutePath().resolveSibling("launcher-e.log")), log).run());
        BenchReport.write(out, rows);
        continue;
      }
      for (String broker : brokers) {
        if (broker.equals("mosquitto") && !MosquittoBroker.available()) {
          log.println("bench: " + MosquittoBroker.BINARY + " is not installed; skipping mosquitto");
          continue;
        }
        // the first scenario of a fresh JVM also warms the JVM (JIT of the stack, the clients and the
        // in-process broker): (a) on HiveMQ measured first gave p99 ratios 2.1-5.7, run again 1.1
        BenchScenario s = BenchScenario.standard(name, first ? w.plus(jvm) : w, d, seed);
        first = false;
        log.println("bench: " + s + " on " + broker);
        JsonObject row = runOne(s, broker);
        rows.add(row);
        ok &= row.getInteger("wrongFinalStates", 0) == 0;
        BenchReport.write(out, rows);
      }
    }
    log.println();
    log.print(BenchReport.table(rows));
    log.println("bench: results in " + out.toAbsolutePath());
    return ok ? 0 : 1;
  }

  /** One scenario on one broker, in a fresh broker and a fresh Vert.x. */
  JsonObject runOne(BenchScenario s, String broker) throws Exception {
    EmbeddedBroker embedded = null;
    MosquittoBroker mosquitto = null;
    BrokerCounters counters = null;
    String uri;
    if (broker.equals("hivemq")) {
      embedded = EmbeddedBroker.start(EmbeddedBroker.freePort());
      uri = embedded.uri();
    } else if (broker.equals("mosquitto")) {
      mosquitto = MosquittoBroker.start();
      uri = mosquitto.uri();
    } else {
      throw new IllegalArgumentException("unknown broker " + broker + " (hivemq, mosquitto)");
    }
    quietLogs(); // after the broker start, which configures logging its own way
    MosquittoBroker external = mosquitto;
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    LongSupplier cpu = () -> os.getProcessCpuTime() + (external == null ? 0 : external.cpuNanos());
    long baseline = usedAfterGc();
    Vertx vertx = Vertx.vertx(InProcessStack.vertxOptions(eventLoops));
    try {
      String prefix = "vnet";
      StackOptions options = StackOptions.from(s.stackConfig(prefix));
      long t0 = System.nanoTime();
      InProcessStack stack = InProcessStack.deploy(vertx, options, id -> MqttSessionOptions.forBroker(uri, id)).await(10, TimeUnit.MINUTES);
      log.printf(Locale.ROOT, "  stack deployed in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      BrokerSettings settings = BrokerSettings.parse(uri, false, null, null, null);
      counters = embedded != null ? new HiveMqCounters(embedded.metrics())
          : new MosquittoSysCounters(settings, MosquittoBroker.SYS_INTERVAL);
      Topics topics = Topics.of(prefix);
      Duration readyTimeout = Duration.ofSeconds(60 + s.instances() / 50);
      JsonObject row;
      if (s.idle()) {
        double ready = BenchRunner.ready(s, settings, topics, readyTimeout);
        long used = usedAfterGc() - baseline;
        log.printf(Locale.ROOT, "  %d instances up in %.1f s; heap used by the stack %d MiB (%d bytes/instance)%n",
            s.instances(), ready, used >> 20, used / s.instances());
        row = BenchReport.idleRow(s, broker, ready, 0, used / s.instances(), used);
      } else {
        BenchRunner.FlapResult r = BenchRunner.flaps(s, settings, topics, log, cpu,
            new BenchRunner.FlapOptions(readyTimeout, rounds, bareConfigWrites, counters));
        long used = usedAfterGc() - baseline;
        row = BenchReport.row(s, broker, r, used / s.instances(), used);
      }
      stack.stop().await(60, TimeUnit.SECONDS);
      return row;
    } finally {
      if (counters != null) {
        counters.close();
      }
      vertx.close().await(30, TimeUnit.SECONDS);
      if (embedded != null) {
        embedded.close();
      }
      if (mosquitto != null) {
        mosquitto.close();
      }
    }
  }

  /** Thousands of instances each log their probe at INFO; the bench prints its own lines. */
  static void quietLogs() {
    for (String name : new String[] {org.slf4j.Logger.ROOT_LOGGER_NAME, "io.virtnet", "com.hivemq", "migrations"}) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name)).setLevel(ch.qos.logback.classic.Level.WARN);
    }
  }

  /** Heap in use after full collections (a few, until it stops shrinking). */
  static long usedAfterGc() {
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    long last = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      long used = mem.getHeapMemoryUsage().getUsed();
      if (used >= last - (1 << 16)) {
        return Math.min(used, last);
      }
      last = used;
    }
    return last;
  }
}
