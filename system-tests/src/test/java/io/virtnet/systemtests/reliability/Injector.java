package io.virtnet.systemtests.reliability;

import io.virtnet.injector.FaultInjectorMain;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;

/**
 * The fault-injector's command line run in this JVM (the very classes of fault-injector.jar, without
 * a JVM start per command): {@code run("storm", "--phys", "eth0,eth1", …)}.
 */
final class Injector {
  /** Exit code, everything printed, wall time. */
  record Run(int exitCode, String output, Duration took) {}

  private final String brokerUri;
  private final String user;
  private final String password;

  /** {@code user} null: anonymous. */
  Injector(String brokerUri, String user, String password) {
    this.brokerUri = brokerUri;
    this.user = user;
    this.password = password;
  }

  Run run(String... command) {
    List<String> args = new ArrayList<>(List.of("--broker", brokerUri, "--prefix", "vnet", "--agent", StackProcesses.AGENT));
    if (user != null) {
      args.addAll(List.of("--username", user, "--password", password));
    }
    args.addAll(List.of(command));
    StringWriter out = new StringWriter();
    PrintWriter pw = new PrintWriter(out, true);
    long t0 = System.nanoTime();
    int rc = new CommandLine(new FaultInjectorMain()).setOut(pw).setErr(pw).execute(args.toArray(String[]::new));
    pw.flush();
    return new Run(rc, out.toString(), Duration.ofNanos(System.nanoTime() - t0));
  }

  /** Runs a command that must succeed. */
  Run ok(String... command) {
    Run r = run(command);
    if (r.exitCode() != 0) {
      throw new AssertionError("fault-injector " + String.join(" ", command) + " exited " + r.exitCode() + ":\n" + r.output());
    }
    return r;
  }
}
