package io.virtnet.launcher;

import io.vertx.core.Vertx;
import io.virtnet.agent.config.AgentConfig;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.broker.auth.BrokerSecurity;
import io.virtnet.runtime.cli.BrokerOptions;
import io.virtnet.runtime.cli.Durations;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.virtnet.runtime.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** All-in-one: an embedded HiveMQ CE broker (or an external one), the agent, the backend and the frontends. */
@Command(name = "launcher", mixinStandardHelpOptions = true, version = "virtnet-carrier 0.1.0",
    description = "Runs the whole virtnet-carrier stack in one JVM around an embedded MQTT broker.")
public final class LauncherMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(LauncherMain.class);
  static final int DEFAULT_MQTT_PORT = 1883;

  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "stack configuration (YAML); default: the built-in stack")
  Path config;

  @Option(names = "--mqtt-port", paramLabel = "N",
      description = "embedded broker port (0 = any free port); default 1883, or a free port if 1883 is taken")
  Integer mqttPort;

  @Option(names = "--http-port", paramLabel = "N",
      description = "HTTP API and dashboard port (0 = any free port); default from the config (8080), or a free port if taken")
  Integer httpPort;

  @Option(names = "--phy-source", paramLabel = "sim|netlink", description = "PHY source: simulated PHYs or the host's NICs via rtnetlink")
  String phySource;

  @Option(names = "--interfaces", paramLabel = "LIST", split = ",",
      description = "netlink: interfaces to watch, e.g. eth0,eth1, or all (default: all but lo)")
  List<String> interfaces;

  @Option(names = "--event-loops", paramLabel = "N",
      description = "Vert.x event-loop threads; default: half the CPUs (at least 1), the other half for the broker")
  Integer eventLoops;

  @Option(names = "--mqtt-passwd", paramLabel = "FILE",
      description = "embedded broker: clients must log in, with the users of this Mosquitto password file (mosquitto_passwd);"
          + " the services log in as agent, backend and frontend with VNET_AGENT_PASSWORD, VNET_BACKEND_PASSWORD, VNET_FRONTEND_PASSWORD")
  Path mqttPasswd;

  @Option(names = "--mqtt-acl", paramLabel = "FILE",
      description = "embedded broker: enforce this Mosquitto ACL file (e.g. deploy/mosquitto/acl) as Mosquitto does; needs --mqtt-passwd")
  Path mqttAcl;

  @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "4s",
      description = "before reporting ready, drive a private copy of the default stack on the embedded broker for this long,"
          + " so the first real link changes run compiled code (0s: off; only on an open embedded broker); default ${DEFAULT-VALUE}")
  String warmup;

  @Mixin BrokerOptions broker;

  private final CountDownLatch stopped = new CountDownLatch(1);

  public static void main(String[] args) {
    System.exit(CommandLines.create(new LauncherMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    StackOptions options;
    try {
      options = StackOptions.from(ConfigLoader.load(config));
      if (phySource != null) {
        options = options.withPhySource(AgentConfig.Source.ofWireName(phySource), interfaces);
      }
    } catch (ConfigException | IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    int http = choosePort("HTTP", httpPort, options.backend().httpPort(), out);
    options = options.withHttpPort(http);

    boolean external = spec.commandLine().getParseResult().hasMatchedOption("--broker");
    ServiceLogins logins = ServiceLogins.fromEnvironment(System::getenv);
    BrokerSecurity security;
    try {
      security = brokerSecurity(external, logins);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    // --username logs every service in as one user (as before); otherwise each its own, if its variable is set
    Function<String, MqttSessionOptions> session = broker.username != null
        ? broker::toSessionOptions
        : id -> logins.apply(id, broker.toSessionOptions(id));
    EmbeddedBroker embedded = null;
    String brokerUri;
    if (external) {
      brokerUri = broker.broker;
    } else {
      int port = choosePort("MQTT", mqttPort, DEFAULT_MQTT_PORT, out);
      embedded = EmbeddedBroker.start(port, security);
      brokerUri = embedded.uri();
      broker.broker = brokerUri;
    }
    if (eventLoops != null && (eventLoops < 1 || eventLoops > 1024)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--event-loops must be 1..1024, got " + eventLoops);
    }
    Duration warmupBudget;
    try {
      warmupBudget = Durations.parse(warmup);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--warmup: " + e.getMessage());
    }
    Vertx vertx = Vertx.vertx(InProcessStack.vertxOptions(eventLoops == null ? InProcessStack.defaultEventLoops() : eventLoops));
    if (embedded != null && security == null && !warmupBudget.isZero()) {
      warmUp(vertx, embedded.port(), session, warmupBudget);
    }
    InProcessStack stack;
    try {
      stack = InProcessStack.deploy(vertx, options, session).await(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      vertx.close();
      if (embedded != null) {
        embedded.close();
      }
      spec.commandLine().getErr().println("launcher: the stack failed to start: " + e.getMessage());
      return 1;
    }
    EmbeddedBroker brokerToStop = embedded;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx, stack, brokerToStop), "launcher-shutdown"));
    out.println("MQTT broker: " + brokerUri);
    out.println("Dashboard: http://" + displayHost(options.backend().httpHost()) + ":" + stack.httpPort() + "/");
    out.flush();
    stopped.await();
    return 0;
  }

  /**
   * Runs {@link StartupWarmup}; with logins or an ACL it does not run (the copy's private prefix would
   * need rights the user's ACL does not give), nor on an outside broker (whose store is the user's).
   */
  private static void warmUp(Vertx vertx, int port, Function<String, MqttSessionOptions> session, Duration budget) {
    try {
      StartupWarmup.Result r = StartupWarmup.run(vertx, port, session, budget).await(budget.toSeconds() + 30, TimeUnit.SECONDS);
      LOG.info("warm-up: {} link changes through a private copy of the default stack in {} ms ({} given up after 2 s)",
          r.changes(), r.took().toMillis(), r.stalls());
    } catch (Exception e) {
      LOG.warn("warm-up failed, starting cold: {}", e.getMessage());
    }
  }

  private void shutdown(Vertx vertx, InProcessStack stack, EmbeddedBroker embedded) {
    try {
      stack.stop().await(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.warn("the stack did not stop cleanly: {}", e.getMessage());
    }
    try {
      vertx.close().await(3, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.debug("vert.x close: {}", e.getMessage());
    }
    if (embedded != null) {
      embedded.close();
    }
    stopped.countDown();
  }

  /** The embedded broker's logins and ACL from --mqtt-passwd and --mqtt-acl (null: open, as without them). */
  private BrokerSecurity brokerSecurity(boolean external, ServiceLogins logins) {
    if (mqttPasswd == null && mqttAcl == null) {
      return null;
    }
    if (external) {
      throw new IllegalArgumentException("--mqtt-passwd and --mqtt-acl secure the embedded broker; with --broker, configure that broker");
    }
    if (mqttPasswd == null) {
      throw new IllegalArgumentException("--mqtt-acl needs --mqtt-passwd: without logins the ACL would trust any claimed user name");
    }
    BrokerSecurity security = BrokerSecurity.load(mqttPasswd, mqttAcl);
    if (broker.username == null) {
      logins.requireAll(security.passwords());
    }
    return security;
  }

  /** The requested port, or the default; a taken default falls back to a free port, saying so. */
  static int choosePort(String what, Integer requested, int dflt, PrintWriter out) {
    if (requested != null) {
      if (requested < 0 || requested > 65535) {
        throw new IllegalArgumentException("--" + what.toLowerCase() + "-port must be 0..65535");
      }
      return requested == 0 ? EmbeddedBroker.freePort() : requested;
    }
    if (dflt == 0) {
      return EmbeddedBroker.freePort();
    }
    if (EmbeddedBroker.isFree(dflt)) {
      return dflt;
    }
    int free = EmbeddedBroker.freePort();
    out.println(what + " port " + dflt + " is in use; using " + free + " instead");
    return free;
  }

  private static String displayHost(String host) {
    return host.equals("0.0.0.0") ? "127.0.0.1" : host;
  }
}
