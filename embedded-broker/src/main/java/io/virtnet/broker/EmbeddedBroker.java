package io.virtnet.broker;

import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.embedded.EmbeddedHiveMQBuilder;
import io.virtnet.broker.auth.BrokerSecurity;
import io.virtnet.broker.auth.SecurityExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded HiveMQ CE broker on 127.0.0.1 with in-memory persistence and its own temporary
 * config/data folders (never the working directory). Blocking: start and stop it off the event loop.
 * It starts in about a second and stops in about four. Open to anyone by default; given a
 * {@link BrokerSecurity} (a Mosquitto password file and ACL) it enforces them as Mosquitto does.
 */
public final class EmbeddedBroker implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

  private final int port;
  private final Path home;
  private final BrokerSecurity security;
  private EmbeddedHiveMQ hivemq;

  private EmbeddedBroker(int port, Path home, BrokerSecurity security) {
    this.port = port;
    this.home = home;
    this.security = security;
  }

  /** Starts an open broker on {@code port} (0 = a free port chosen first, since HiveMQ does not report the one it bound). */
  public static EmbeddedBroker start(int port) {
    return start(port, null);
  }

  /** As {@link #start(int)}; with {@code security} (null: open) every client logs in and the ACL applies. */
  public static EmbeddedBroker start(int port, BrokerSecurity security) {
    int chosen = port == 0 ? freePort() : port;
    Path home;
    try {
      home = Files.createTempDirectory("vnet-hivemq-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    EmbeddedBroker broker = new EmbeddedBroker(chosen, home, security);
    broker.startHiveMq();
    return broker;
  }

  private void startHiveMq() {
    try {
      Path conf = Files.createDirectories(home.resolve("conf"));
      Files.createDirectories(home.resolve("data"));
      Files.createDirectories(home.resolve("extensions"));
      Files.writeString(conf.resolve("config.xml"), configXml(port));
      copyLoggingConfig(conf);
      EmbeddedHiveMQBuilder builder = EmbeddedHiveMQ.builder()
          .withConfigurationFolder(conf)
          .withDataFolder(home.resolve("data"))
          .withExtensionsFolder(home.resolve("extensions"));
      if (security != null) {
        builder = builder.withEmbeddedExtension(SecurityExtension.embedded(security));
      }
      hivemq = builder.build();
      hivemq.start().get(60, TimeUnit.SECONDS);
      LOG.debug("embedded HiveMQ CE listening on 127.0.0.1:{}", port);
    } catch (Exception e) {
      throw new IllegalStateException("embedded HiveMQ CE failed to start on port " + port + ": " + e.getMessage(), e);
    }
  }

  /**
   * HiveMQ re-initialises logback from its config folder and would otherwise fall back to its own
   * chatty default; hand it the application's logging configuration instead.
   */
  private static void copyLoggingConfig(Path conf) throws IOException {
    for (String name : new String[] {"logback-test.xml", "logback.xml"}) {
      try (var in = EmbeddedBroker.class.getClassLoader().getResourceAsStream(name)) {
        if (in != null) {
          Files.write(conf.resolve("logback.xml"), in.readAllBytes());
          return;
        }
      }
    }
  }

  static String configXml(int port) {
    // Large per-client queues and no overload protection: a slow test subscriber must not lose
    // QoS 1 messages, and a storm benchmark must measure us, not the broker's throttling.
    return """
        <?xml version="1.0"?>
        <hivemq>
          <listeners>
            <tcp-listener>
              <port>%d</port>
              <bind-address>127.0.0.1</bind-address>
            </tcp-listener>
          </listeners>
          <mqtt>
            <queued-messages>
              <max-queue-size>1000000</max-queue-size>
            </queued-messages>
          </mqtt>
          <persistence>
            <mode>in-memory</mode>
          </persistence>
          <overload-protection>
            <enabled>false</enabled>
          </overload-protection>
          <anonymous-usage-statistics>
            <enabled>false</enabled>
          </anonymous-usage-statistics>
        </hivemq>
        """.formatted(port);
  }

  /** HiveMQ's own metrics (e.g. {@code com.hivemq.messages.incoming.publish.count}), for the bench. */
  public com.codahale.metrics.MetricRegistry metrics() {
    return hivemq.getMetricRegistry();
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "tcp://127.0.0.1:" + port;
  }

  /** Stops the broker, keeping its port and folders, so it can be started again empty (in-memory). */
  public void stop() {
    if (hivemq != null) {
      try {
        hivemq.stop().get(60, TimeUnit.SECONDS);
        hivemq.close();
      } catch (Exception e) {
        LOG.warn("embedded HiveMQ CE did not stop cleanly: {}", e.toString());
      }
      hivemq = null;
    }
  }

  /** Starts it again on the same port after {@link #stop()}, with an empty retained store. */
  public void restart() {
    stop();
    startHiveMq();
  }

  @Override
  public void close() {
    stop();
    try (Stream<Path> files = Files.walk(home)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("could not remove {}: {}", home, e.toString());
    }
  }

  /** A port free right now on 127.0.0.1. */
  public static int freePort() {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code port} can be bound on 127.0.0.1 now. */
  public static boolean isFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
