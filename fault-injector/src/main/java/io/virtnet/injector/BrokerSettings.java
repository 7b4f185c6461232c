package io.virtnet.injector;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;

/**
 * Where and how to connect: {@code tcp://HOST:PORT} or {@code ssl://HOST:PORT} (TLS), optional
 * credentials and a CA file. Parsed once at the edge; the constructor rejects what cannot work.
 */
public record BrokerSettings(String uri, String host, int port, boolean tls, String username, String password, Path caFile) {
  public static final int DEFAULT_TCP_PORT = 1883;
  public static final int DEFAULT_TLS_PORT = 8883;

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

  /** Parses {@code tcp://HOST:PORT} / {@code ssl://HOST:PORT}; throws IllegalArgumentException with a clear message. */
  public static BrokerSettings parse(String broker, boolean tls, String username, String password, Path caFile) {
    URI u;
    try {
      u = new URI(broker);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--broker '" + broker + "' is not a URI like tcp://HOST:PORT");
    }
    String scheme = u.getScheme();
    if (!"tcp".equals(scheme) && !"ssl".equals(scheme) && !"mqtt".equals(scheme) && !"mqtts".equals(scheme)) {
      throw new IllegalArgumentException("--broker '" + broker + "' must start with tcp:// or ssl://");
    }
    if (u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))) {
      throw new IllegalArgumentException("--broker '" + broker + "' must be tcp://HOST:PORT or ssl://HOST:PORT");
    }
    boolean secure = tls || caFile != null || scheme.equals("ssl") || scheme.equals("mqtts");
    int port = u.getPort() > 0 ? u.getPort() : secure ? DEFAULT_TLS_PORT : DEFAULT_TCP_PORT;
    return new BrokerSettings(broker, u.getHost(), port, secure, username, password, caFile);
  }
}
