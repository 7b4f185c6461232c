package io.virtnet.agent.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.agent.PhyAgentVerticle;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.runtime.cli.BrokerOptions;
import io.virtnet.runtime.cli.ServiceRunner;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import io.virtnet.runtime.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code phy-agent}: runs one PHY agent against a broker, from the {@code agent} section of a config. */
@Command(name = "phy-agent", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Publishes NETDEV events and retained state of simulated or real (rtnetlink) PHYs over MQTT.")
public final class PhyAgentMain implements Callable<Integer> {
  /** Exit code for bad flags or configuration (picocli's usage code). */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;
  public static final int EXIT_FAILED = 1;

  @Mixin
  BrokerOptions broker = new BrokerOptions();

  @Option(names = "--config", paramLabel = "FILE",
      description = "stack configuration (YAML); default: the built-in default stack")
  Path config;

  @Option(names = "--phy-source", paramLabel = "sim|netlink", description = "overrides agent.source")
  String phySource;

  @Option(names = "--interfaces", paramLabel = "eth0,eth1|all", description = "overrides agent.interfaces (netlink)")
  String interfaces;

  private final PrintStream out;
  private final PrintStream err;

  public PhyAgentMain() {
    this(System.out, System.err);
  }

  PhyAgentMain(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    int code = run(args);
    if (code != 0) {
      System.exit(code);
    }
    // on success the Vert.x threads keep the JVM alive until SIGTERM / Ctrl-C
  }

  /** Parses {@code args} and starts the agent; returns the exit code (0 when it runs). */
  public static int run(String... args) {
    return CommandLines.create(new PhyAgentMain()).execute(args);
  }

  /** The effective configuration: file or defaults, with the command-line overrides applied. */
  Settings settings() {
    JsonObject root = ConfigLoader.load(config).copy();
    Object section = root.getValue("agent");
    JsonObject agent = section instanceof JsonObject o ? o : new JsonObject();
    if (section != null && !(section instanceof JsonObject)) {
      throw new ConfigException("agent: must be a map");
    }
    if (phySource != null) {
      try {
        AgentConfig.Source.ofWireName(phySource);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("--phy-source: " + e.getMessage());
      }
      agent.put("source", phySource);
    }
    if (interfaces != null) {
      if (interfaces.isBlank()) {
        throw new ConfigException("--interfaces: name interfaces (eth0,eth1) or 'all'");
      }
      agent.put("interfaces", interfaces.trim().equals(AgentConfig.ALL) ? AgentConfig.ALL
          : new JsonArray(java.util.Arrays.stream(interfaces.split(",")).map(String::trim).toList()));
    }
    root.put("agent", agent);
    ConfigNode node = ConfigNode.root(root);
    AgentConfig agentConfig = AgentConfig.from(node);
    MqttConfig mqtt = MqttConfig.from(node);
    MqttSessionOptions options = broker.toSessionOptions(PhyAgentVerticle.clientId(agentConfig.name()));
    return new Settings(agentConfig, mqtt, options);
  }

  record Settings(AgentConfig agent, MqttConfig mqtt, MqttSessionOptions options) {}

  @Override
  public Integer call() {
    Settings s;
    try {
      s = settings();
    } catch (ConfigException | IllegalArgumentException | InvalidMessageException e) {
      err.println("phy-agent: " + e.getMessage());
      return EXIT_USAGE;
    }
    MeterRegistry registry = MetricsRegistry.create();
    try {
      ServiceRunner.run("phy-agent", () -> new PhyAgentVerticle(s.agent(), s.mqtt(), s.options(), registry));
    } catch (IllegalStateException e) {
      err.println(e.getMessage());
      return EXIT_FAILED;
    }
    out.println("phy-agent " + s.agent().name() + " publishing on " + s.options().uri());
    return 0;
  }
}
