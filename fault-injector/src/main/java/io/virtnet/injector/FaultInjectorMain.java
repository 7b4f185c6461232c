package io.virtnet.injector;

import io.virtnet.injector.cmd.AddressCommand;
import io.virtnet.injector.cmd.AdminCommand;
import io.virtnet.injector.cmd.CarrierCommand;
import io.virtnet.injector.cmd.FlapCommand;
import io.virtnet.injector.cmd.GarbageCommand;
import io.virtnet.injector.cmd.ImpersonateCommand;
import io.virtnet.injector.cmd.MtuCommand;
import io.virtnet.injector.cmd.RegisterCommand;
import io.virtnet.injector.cmd.RenameCommand;
import io.virtnet.injector.cmd.SpeedCommand;
import io.virtnet.injector.cmd.StormCommand;
import io.virtnet.injector.cmd.UnregisterCommand;
import io.virtnet.injector.cmd.WatchCommand;
import io.virtnet.protocol.Names;
import io.virtnet.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fault-injector}: the command line. Wiring only: the broker and naming options live here,
 * each subcommand in {@code io.virtnet.injector.cmd}. Exit codes: 0 success, 1 failure during the
 * run, 2 bad argument, 3 broker unreachable.
 */
@Command(
    name = "fault-injector",
    mixinStandardHelpOptions = true,
    version = "fault-injector 0.1.0",
    description = "Injects faults and load into a virtnet-carrier system over MQTT.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:failure during the run", "2:bad argument", "3:broker unreachable"},
    subcommands = {
        CarrierCommand.class, AdminCommand.class, MtuCommand.class, AddressCommand.class, SpeedCommand.class,
        RegisterCommand.class, UnregisterCommand.class, RenameCommand.class, FlapCommand.class, StormCommand.class,
        GarbageCommand.class, ImpersonateCommand.class, WatchCommand.class,
        io.virtnet.injector.chaos.ChaosCommand.class})
public final class FaultInjectorMain implements Callable<Integer> {
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_UNREACHABLE = 3;
  public static final String PASSWORD_ENV = "VNET_MQTT_PASSWORD";

  @Spec
  CommandSpec spec;

  @Option(names = "--broker", paramLabel = "tcp://HOST:PORT", defaultValue = "tcp://127.0.0.1:1883",
      description = "MQTT broker (tcp:// or ssl://), default ${DEFAULT-VALUE}")
  String broker;

  @Option(names = "--username", description = "MQTT user name")
  String username;

  @Option(names = "--password", description = "MQTT password (default: the environment variable " + PASSWORD_ENV + ")")
  String password;

  @Option(names = "--tls", description = "connect with TLS (implied by ssl:// and --ca-file)")
  boolean tls;

  @Option(names = "--ca-file", paramLabel = "PEM", description = "CA certificate(s) that signed the broker's certificate")
  Path caFile;

  @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX, description = "topic prefix, default ${DEFAULT-VALUE}")
  String prefix;

  @Option(names = "--agent", defaultValue = "linux0", description = "the phy-agent whose PHYs are targeted, default ${DEFAULT-VALUE}")
  String agent;

  /** What every subcommand needs, validated. */
  public record Context(Topics topics, String agent, BrokerSettings broker) {}

  /** Validates the top-level options; throws a picocli usage error (exit 2) naming the bad one. */
  public Context context(CommandLine cl) {
    Topics topics;
    try {
      topics = Topics.of(prefix);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, "--prefix: " + e.getMessage());
    }
    String problem = Names.instanceProblem(agent);
    if (problem != null) {
      throw new ParameterException(cl, "--agent: " + problem);
    }
    if (caFile != null && !Files.isReadable(caFile)) {
      throw new ParameterException(cl, "--ca-file " + caFile + " is not readable");
    }
    String pass = password != null ? password : username != null ? System.getenv(PASSWORD_ENV) : null;
    try {
      return new Context(topics, agent, BrokerSettings.parse(broker, tls, username, pass, caFile));
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
  }

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "a command is required, e.g. carrier eth0 off");
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new FaultInjectorMain()).execute(args));
  }
}
