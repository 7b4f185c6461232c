package io.virtnet.injector;

import io.virtnet.runtime.mqtt.BrokerUri;
import java.nio.file.Path;

/**
 * Where and how to connect: a {@link BrokerUri} ({@code tcp://HOST:PORT}, {@code ssl://HOST:PORT}, ...), optional
 * credentials and a CA file. Parsed once at the edge; the constructor rejects what cannot work.
 */
public record BrokerSettings(String uri, String host, int port, boolean tls, String username, String password, Path caFile) {
  public BrokerSettings {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("broker '" + uri + "' has no host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("broker port must be 1..65535, got " + port);
    }
    if (password != null && username == null) {
      throw new IllegalArgumentException("a password needs --username");
    }
  }

  /** Parses {@code --broker} with {@link BrokerUri} (the services' parser); throws IllegalArgumentException with a clear message. */
  public static BrokerSettings parse(String broker, boolean tls, String username, String password, Path caFile) {
    BrokerUri u = BrokerUri.parse(broker);
    if (tls || caFile != null) {
      u = u.withTls(true);
    }
    return new BrokerSettings(broker, u.host(), u.port(), u.tls(), username, password, caFile);
  }
}
