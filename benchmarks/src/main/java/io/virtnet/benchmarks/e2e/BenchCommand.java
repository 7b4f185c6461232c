package io.virtnet.benchmarks.e2e;

import io.vertx.core.json.JsonObject;
import io.virtnet.injector.BrokerUnreachableException;
import io.virtnet.injector.FaultInjectorMain;
import io.virtnet.injector.cmd.Converters;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code bench}: end-to-end latency and throughput of a running stack, and of the bare broker (a
 * plain relay over the same number of hops) in the same run. {@code --write-config FILE} writes the
 * stack configuration a scenario needs and exits. A subcommand of the fault-injector's command line
 * as {@link ExternalBenchMain} builds it (the injector itself carries no bench code).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = {"Measures command-to-link-view latency and throughput of a running stack against the bare broker.",
        "Start the stack with the config of --write-config first (linkwatch off, so every change is reported at once)."})
public final class BenchCommand implements Callable<Integer> {
  @ParentCommand FaultInjectorMain main;
  @Spec CommandSpec spec;

  @Option(names = "--scenario", paramLabel = "a|b|c|d", defaultValue = "a",
      description = "a: 1 PHY/1 instance, 100 changes/s; b: 8/64, 2,000 events/s; c: 100/1,000, as fast as it goes; d: 10,000 idle")
  String scenario;

  @Option(names = "--phys", paramLabel = "P", description = "override the scenario's PHY count")
  Integer phys;

  @Option(names = "--instances", paramLabel = "I", description = "override the scenario's instance count")
  Integer instances;

  @Option(names = "--cpus", paramLabel = "C", description = "override the scenario's RTOS CPU count")
  Integer cpus;

  @Option(names = "--rate", paramLabel = "R", description = "override the commands per second overall (0 = as fast as it goes)")
  Double rate;

  @Option(names = "--warmup", paramLabel = "D", defaultValue = "3s", converter = Converters.DurationConverter.class,
      description = "warm-up, excluded from the figures; default ${DEFAULT-VALUE}")
  Duration warmup;

  @Option(names = "--duration", paramLabel = "D", defaultValue = "10s", converter = Converters.DurationConverter.class,
      description = "measurement; default ${DEFAULT-VALUE}")
  Duration duration;

  @Option(names = "--rounds", paramLabel = "N", defaultValue = "5",
      description = "alternating rounds of ours and bare the measurement is split into; default ${DEFAULT-VALUE}")
  int rounds;

  @Option(names = "--bare-config-writes", description = BareRelay.CONFIG_WRITES_HELP)
  boolean bareConfigWrites;

  @Option(names = "--seed", defaultValue = "1", description = "seed of the PHY order; default ${DEFAULT-VALUE}")
  long seed;

  @Option(names = "--ready-timeout", paramLabel = "D", defaultValue = "120s", converter = Converters.DurationConverter.class,
      description = "how long the stack may take to show every instance up; default ${DEFAULT-VALUE}")
  Duration readyTimeout;

  @Option(names = "--write-config", paramLabel = "FILE", description = "write the stack config (YAML) of the scenario and exit")
  Path writeConfig;

  @Option(names = "--out", paramLabel = "FILE", defaultValue = "target/bench/results.json",
      description = "results (JSON list); default ${DEFAULT-VALUE}")
  Path out;

  @Option(names = "--broker-name", paramLabel = "NAME", defaultValue = "external", description = "the broker's name in the results")
  String brokerName;

  @Override
  public Integer call() {
    FaultInjectorMain.Context ctx = main.context(spec.commandLine());
    BenchScenario s;
    try {
      BenchScenario base = BenchScenario.standard(scenario, warmup, duration, seed);
      s = new BenchScenario(base.name(), base.description(), phys != null ? phys : base.phys(),
          instances != null ? instances : base.instances(), cpus != null ? cpus : base.cpus(),
          rate != null ? rate : base.rate(), warmup, duration, seed, base.idle());
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    if (rounds < 1 || rounds > 1000) {
      throw new ParameterException(spec.commandLine(), "--rounds must be 1..1000, got " + rounds);
    }
    if (!ctx.agent().equals(BenchScenario.AGENT)) {
      throw new ParameterException(spec.commandLine(), "bench drives the agent " + BenchScenario.AGENT + " of its generated config");
    }
    PrintWriter o = spec.commandLine().getOut();
    if (writeConfig != null) {
      JsonObject cfg = s.stackConfig(ctx.topics().prefix());
      try {
        // JSON is YAML: the launcher's --config reads it as is
        Files.writeString(writeConfig, "# bench " + s + "\n" + cfg.encodePrettily() + "\n", StandardCharsets.UTF_8);
      } catch (IOException e) {
        spec.commandLine().getErr().println("bench: cannot write " + writeConfig + ": " + e.getMessage());
        return FaultInjectorMain.EXIT_FAILURE;
      }
      o.println("bench: wrote the stack config of scenario " + s + " to " + writeConfig);
      o.flush();
      return 0;
    }
    o.println("bench: " + s + " against " + ctx.broker().uri() + " (linkwatch off: latency per change)");
    o.flush();
    try {
      JsonObject row;
      if (s.idle()) {
        double ready = BenchRunner.ready(s, ctx.broker(), ctx.topics(), readyTimeout);
        o.printf("  %d instances up in %.1f s%n", s.instances(), ready);
        row = BenchReport.idleRow(s, brokerName, ready, 0, null, null);
      } else {
        BenchRunner.FlapResult r = BenchRunner.flaps(s, ctx.broker(), ctx.topics(), o, null,
            new BenchRunner.FlapOptions(readyTimeout, rounds, bareConfigWrites, null));
        row = BenchReport.row(s, brokerName, r, null, null);
      }
      BenchReport.write(out, List.of(row));
      o.print(BenchReport.table(List.of(row)));
      o.println("bench: results in " + out);
      o.flush();
      return row.getInteger("wrongFinalStates", 0) == 0 ? 0 : FaultInjectorMain.EXIT_FAILURE;
    } catch (BrokerUnreachableException e) {
      spec.commandLine().getErr().println(e.getMessage());
      spec.commandLine().getErr().flush();
      return FaultInjectorMain.EXIT_UNREACHABLE;
    } catch (RuntimeException e) {
      spec.commandLine().getErr().println("bench: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      spec.commandLine().getErr().flush();
      return FaultInjectorMain.EXIT_FAILURE;
    }
  }
}
