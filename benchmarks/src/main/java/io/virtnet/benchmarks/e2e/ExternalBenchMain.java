package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.FaultInjectorMain;
import picocli.CommandLine;

/**
 * The bench against a stack and broker you run yourself: the fault-injector's command line (its
 * broker, TLS, login and prefix options) with the {@code bench} command added, e.g.
 * {@code --broker tcp://127.0.0.1:1883 bench --scenario b}.
 */
public final class ExternalBenchMain {
  private ExternalBenchMain() {}

  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new FaultInjectorMain());
    cl.setCommandName("external-bench");
    cl.addSubcommand("bench", new BenchCommand());
    System.exit(cl.execute(args));
  }
}
