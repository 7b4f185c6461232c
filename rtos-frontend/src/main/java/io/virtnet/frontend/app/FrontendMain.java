package io.virtnet.frontend.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.virtnet.frontend.FrontendNodeVerticle;
import io.virtnet.frontend.config.FrontendConfig;
import io.virtnet.runtime.cli.BrokerOptions;
import io.virtnet.runtime.cli.ServiceRunner;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import io.virtnet.runtime.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code rtos-frontend}: runs the RTOS-side drivers of the configured CPUs against a broker. */
@Command(name = "rtos-frontend", mixinStandardHelpOptions = true,
    description = "RTOS virtio-net frontends: discovers devices, probes drivers, follows the link.")
public final class FrontendMain implements Callable<Integer> {
  /** Exit code for bad flags or configuration (picocli's usage code). */
  public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

  @Mixin
  BrokerOptions broker = new BrokerOptions();

  @Option(names = "--config", paramLabel = "FILE",
      description = "stack configuration (YAML); its 'mqtt' and 'frontend' sections are used. Default: the built-in stack")
  Path config;

  @Option(names = "--cpus", split = ",", paramLabel = "CPU",
      description = "RTOS CPUs to serve, e.g. 2,3 (overrides frontend.cpus)")
  List<Integer> cpus;

  private PrintWriter out;
  private PrintWriter err;

  public static void main(String[] args) {
    int code = execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
    if (code != 0) {
      System.exit(code);
    }
    // started: Vert.x threads keep the JVM alive until SIGTERM / Ctrl-C (ServiceRunner's hook)
  }

  /** Parses {@code args} and starts the service; returns the exit code (0 once the service runs). */
  public static int execute(String[] args, PrintWriter out, PrintWriter err) {
    FrontendMain app = new FrontendMain();
    app.out = out;
    app.err = err;
    CommandLine cl = CommandLines.create(app).setOut(out).setErr(err);
    return cl.execute(args);
  }

  /** The configuration this command line describes; throws ConfigException or IllegalArgumentException. */
  Resolved resolve() {
    JsonObject tree = ConfigLoader.load(config);
    ConfigNode root = ConfigNode.root(tree);
    MqttConfig mqtt = MqttConfig.from(root);
    FrontendConfig frontend = FrontendConfig.from(root, cpus);
    MqttSessionOptions options = broker.toSessionOptions(FrontendNodeVerticle.clientId(frontend));
    return new Resolved(mqtt, frontend, options);
  }

  record Resolved(MqttConfig mqtt, FrontendConfig frontend, MqttSessionOptions options) {}

  @Override
  public Integer call() {
    Resolved r;
    try {
      r = resolve();
    } catch (ConfigException | IllegalArgumentException e) {
      err.println("rtos-frontend: " + e.getMessage());
      return EXIT_USAGE;
    }
    MeterRegistry registry = MetricsRegistry.create();
    try {
      ServiceRunner.run("rtos-frontend", () -> new FrontendNodeVerticle(r.frontend(), r.mqtt(), r.options(), registry));
    } catch (IllegalStateException e) {
      err.println("rtos-frontend: " + e.getMessage());
      return 1;
    }
    out.println("rtos-frontend " + r.frontend().node() + " serving CPUs " + r.frontend().cpus() + " on " + r.options().uri());
    return 0;
  }
}
