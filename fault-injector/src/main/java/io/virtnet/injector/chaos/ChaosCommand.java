package io.virtnet.injector.chaos;

import io.vertx.core.json.JsonObject;
import io.virtnet.runtime.cli.Durations;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.runtime.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code chaos --seed S --duration 10m --quiet 30s --broker-kind mosquitto|hivemq|external}: the chaos
 * soak of issue 18. It starts the broker and the three services itself (from the built jars), mixes
 * storms, SIGKILLs, broker restarts and contract-valid lies by seed, checks after every round that each
 * view agrees with the PHYs' truth, and prints the table of RELIABILITY.md. Exit 0 only when no round
 * ended wrong.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = {"Chaos soak: starts broker and services from the built jars, injects seeded faults, checks convergence",
        "after every round, prints faults per kind, time to converge (p50/max), wrong final states and repairs."})
public final class ChaosCommand implements Callable<Integer> {
  @ParentCommand
  FaultInjectorMain main;

  @Spec
  CommandSpec spec;

  @Option(names = "--seed", defaultValue = "1", description = "random seed, default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--duration", defaultValue = "10m", description = "how long faults are injected, default ${DEFAULT-VALUE}")
  String duration;

  @Option(names = "--quiet", defaultValue = "30s",
      description = "quiet period after each round: the most it may take to converge, default ${DEFAULT-VALUE}")
  String quiet;

  @Option(names = "--settle", defaultValue = "1s", description = "how long a converged view must stay right, default ${DEFAULT-VALUE}")
  String settle;

  @Option(names = "--broker-kind", defaultValue = "hivemq",
      description = "mosquitto | hivemq (started and killed by the soak) | external (--broker, lies and storms only), default ${DEFAULT-VALUE}")
  String brokerKind;

  @Option(names = "--kinds", split = ",", paramLabel = "KIND", description = "fault kinds (default: all the broker kind allows)")
  List<String> kinds;

  @Option(names = "--repo", defaultValue = ".", description = "repository root holding {module}/target/{module}.jar, default ${DEFAULT-VALUE}")
  Path repo;

  @Option(names = "--stack-config", paramLabel = "FILE", description = "the services' config (default: their built-in default stack)")
  Path stackConfig;

  @Option(names = "--work", paramLabel = "DIR", description = "logs and broker store (default: a new temporary directory)")
  Path work;

  @Option(names = "--mosquitto", defaultValue = "mosquitto", description = "the mosquitto binary, default ${DEFAULT-VALUE}")
  String mosquitto;

  @Option(names = "--report", paramLabel = "FILE", description = "also write the Markdown table here")
  Path report;

  @Option(names = "--verbose", description = "print every round, not only the wrong ones")
  boolean verbose;

  @Override
  public Integer call() throws IOException {
    ChaosRunner.Timing timing;
    List<FaultKind> chosen;
    String kind = brokerKind.trim().toLowerCase(java.util.Locale.ROOT);
    try {
      timing = new ChaosRunner.Timing(Durations.parse(duration), Durations.parse(quiet), Durations.parse(settle),
          ChaosSchedule.DEFAULT_WINDOW_MS);
      if (!List.of("mosquitto", "hivemq", "external").contains(kind)) {
        throw new IllegalArgumentException("--broker-kind must be mosquitto, hivemq or external");
      }
      chosen = kinds(kind);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    JsonObject config = ConfigLoader.load(stackConfig);
    StackModel stack = StackModel.fromConfig(config);
    Path dir = work != null ? Files.createDirectories(work) : Files.createTempDirectory("vnet-chaos-");
    PrintWriter out = spec.commandLine().getOut();
    out.printf("chaos: seed %d, %s of faults, quiet %s, broker %s, kinds %s, logs in %s%n", seed, duration, quiet, kind,
        chosen.stream().map(FaultKind::label).toList(), dir);
    out.flush();
    ChaosBroker broker = null;
    ServiceSet services = null;
    RetainedObserver observer = null;
    try {
      String host = "127.0.0.1";
      int port;
      if (kind.equals("external")) {
        io.virtnet.injector.BrokerSettings external = main.context(spec.commandLine()).broker();
        host = external.host();
        port = external.port();
      } else {
        broker = new ChaosBroker(kind.equals("mosquitto") ? ChaosBroker.Kind.MOSQUITTO : ChaosBroker.Kind.HIVEMQ, 0, dir,
            ServiceSet.jar(repo, "launcher"), mosquitto);
        broker.start();
        port = broker.port();
        services = new ServiceSet(repo, servicesConfig(dir), dir, broker.uri(), stack.cpus());
        services.startAll();
      }
      observer = new RetainedObserver(host, port, stack.topics().prefix());
      return soak(stack, observer, services, broker, timing, chosen, out);
    } finally {
      if (observer != null) {
        observer.close();
      }
      if (services != null) {
        services.close();
      }
      if (broker != null) {
        broker.close();
      }
    }
  }

  private int soak(StackModel stack, RetainedObserver observer, ServiceSet services, ChaosBroker broker,
      ChaosRunner.Timing timing, List<FaultKind> chosen, PrintWriter out) throws IOException {
    RepairCounts repairs = new RepairCounts();
    Runnable scrape = () -> {
      if (services != null) {
        services.backendMetrics().ifPresent(m -> repairs.scraped("backend#" + services.run(Service.BACKEND), RepairCounts.parse(m)));
      }
    };
    FaultActions actions = new FaultActions(stack, observer, services, broker, scrape);
    ChaosRunner runner = new ChaosRunner(new ChaosSchedule(seed, chosen, stack, timing.windowMs()), new ConvergenceChecker(stack),
        observer, actions, () -> deadProcesses(services, broker), scrape, timing, out, verbose);
    List<String> startWrong = runner.awaitStart(ChaosBroker.START_BOUND);
    if (!startWrong.isEmpty()) {
      out.println("chaos: the stack did not converge at start: " + startWrong);
      out.flush();
      return FaultInjectorMain.EXIT_FAILURE;
    }
    long t0 = System.nanoTime();
    SoakStats stats = runner.run(new SoakStats());
    stats.repairs(repairs.totals());
    String table = stats.table();
    out.printf("chaos: seed %d, %d s of faults, %d rounds%n%s", seed, Duration.ofNanos(System.nanoTime() - t0).toSeconds(),
        stats.rounds(), table);
    out.flush();
    if (report != null) {
      Files.writeString(report, table);
    }
    return stats.wrongFinalStates().isEmpty() ? 0 : FaultInjectorMain.EXIT_FAILURE;
  }

  /** The services' config with their HTTP API on loopback (a compose config listens on all interfaces), or null for the defaults. */
  private Path servicesConfig(Path dir) throws IOException {
    if (stackConfig == null) {
      return null;
    }
    Path copy = dir.resolve("stack.yaml");
    Files.writeString(copy, Files.readString(stackConfig).replace("host: 0.0.0.0", "host: 127.0.0.1"));
    return copy;
  }

  private static List<String> deadProcesses(ServiceSet services, ChaosBroker broker) {
    List<String> dead = new ArrayList<>();
    if (services != null) {
      services.dead().forEach(s -> dead.add(s.label()));
    }
    if (broker != null && !broker.alive()) {
      dead.add("broker");
    }
    return dead;
  }

  private List<FaultKind> kinds(String brokerKind) {
    List<FaultKind> all = kinds == null || kinds.isEmpty() ? Arrays.asList(FaultKind.values())
        : kinds.stream().map(FaultKind::ofLabel).toList();
    List<FaultKind> allowed = all.stream().filter(k -> !brokerKind.equals("external") || !k.disruptive()).toList();
    if (allowed.isEmpty()) {
      throw new IllegalArgumentException("no fault kind left for --broker-kind " + brokerKind + " (process faults need mosquitto or hivemq)");
    }
    return allowed;
  }
}
