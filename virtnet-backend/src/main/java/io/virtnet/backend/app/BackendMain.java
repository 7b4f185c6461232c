package io.virtnet.backend.app;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.virtnet.backend.BackendNodeVerticle;
import io.virtnet.backend.config.BackendConfig;
import io.virtnet.runtime.cli.BrokerOptions;
import io.virtnet.runtime.cli.ServiceRunner;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigLoader;
import io.virtnet.runtime.config.ConfigNode;
import io.virtnet.runtime.config.MqttConfig;
import io.virtnet.runtime.metrics.MetricsRegistry;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import io.virtnet.runtime.cli.CommandLines;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code virtnet-backend}: runs the backend node (instances and HTTP API) against a broker. */
@Command(name = "virtnet-backend", mixinStandardHelpOptions = true,
    description = "virtio-net backends that follow physical links (one verticle per instance) with an HTTP API")
public final class BackendMain implements Callable<Integer> {
  @Mixin
  BrokerOptions broker = new BrokerOptions();

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML config; its 'backend' and 'mqtt' sections are used (default: the built-in stack)")
  Path config;

  @Option(names = "--http-port", paramLabel = "N", description = "override backend.http.port (0 = any free port)")
  Integer httpPort;

  public static void main(String[] args) {
    int rc = CommandLines.create(new BackendMain()).execute(args);
    if (rc != 0) {
      System.exit(rc);
    }
  }

  @Override
  public Integer call() {
    BackendConfig backend;
    MqttConfig mqtt;
    MqttSessionOptions options;
    try {
      ConfigNode root = ConfigNode.root(ConfigLoader.load(config));
      mqtt = MqttConfig.from(root);
      backend = BackendConfig.from(root);
      if (httpPort != null) {
        if (httpPort < 0 || httpPort > 65535) {
          throw new ConfigException("--http-port: must be 0..65535, got " + httpPort);
        }
        backend = backend.withHttpPort(httpPort);
      }
      options = broker.toSessionOptions("vnet-backend-" + backend.node());
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("virtnet-backend: " + e.getMessage());
      return CommandLine.ExitCode.USAGE;
    }
    PrometheusMeterRegistry registry = MetricsRegistry.create();
    BackendNodeVerticle node = new BackendNodeVerticle(backend, mqtt, options, registry);
    try {
      // Vert.x's own threads keep the JVM running; the shutdown hook stops the node cleanly
      ServiceRunner.run("virtnet-backend", () -> node);
    } catch (IllegalStateException e) {
      System.err.println("virtnet-backend: " + e.getMessage());
      return 1;
    }
    System.out.println("Dashboard: http://" + backend.httpHost() + ":" + node.httpPort() + "/");
    return 0;
  }
}
