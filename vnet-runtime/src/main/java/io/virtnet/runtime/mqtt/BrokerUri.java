package io.virtnet.runtime.mqtt;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * Where the broker is: {@code tcp://HOST[:PORT]} or {@code mqtt://} in the clear, {@code ssl://},
 * {@code tls://} or {@code mqtts://} over TLS; the port defaults to 1883 in the clear and 8883 over TLS.
 * The one parser of {@code --broker} for every service and tool; its errors name what is wrong.
 *
 * @param host the host name or address (an IPv6 address without brackets)
 * @param explicitPort the port given in the URI, or 0 for the default of the transport
 * @param tls whether to connect over TLS
 */
public record BrokerUri(String host, int explicitPort, boolean tls) {
  public static final int DEFAULT_TCP_PORT = 1883;
  public static final int DEFAULT_TLS_PORT = 8883;
  private static final Set<String> PLAIN = Set.of("tcp", "mqtt");
  private static final Set<String> SECURE = Set.of("ssl", "tls", "mqtts");
  private static final String EXPECTED = "must start with tcp:// or ssl:// (or mqtt://, tls://, mqtts://)";

  public BrokerUri {
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException("broker host is empty");
    }
    if (explicitPort < 0 || explicitPort > 65535) {
      throw new IllegalArgumentException("broker port must be 1..65535, got " + explicitPort);
    }
  }

  /** Parses {@code --broker}; throws IllegalArgumentException saying what is wrong. */
  public static BrokerUri parse(String broker) {
    if (broker == null || broker.isBlank()) {
      throw new IllegalArgumentException("--broker is empty; use tcp://HOST:PORT or ssl://HOST:PORT");
    }
    String b = broker.strip();
    if (!b.contains("://")) {
      throw new IllegalArgumentException("--broker '" + broker + "' has no scheme; " + EXPECTED);
    }
    URI u;
    try {
      u = new URI(b);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--broker '" + broker + "' is not a URI like tcp://HOST:PORT (" + e.getReason() + ")");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    boolean tls = SECURE.contains(scheme);
    if (!tls && !PLAIN.contains(scheme)) {
      throw new IllegalArgumentException("--broker '" + broker + "' " + EXPECTED);
    }
    if (u.getHost() == null) {
      String authority = u.getRawAuthority();
      throw new IllegalArgumentException("--broker '" + broker + "' "
          + (authority == null || authority.isEmpty() ? "has no host" : "has no valid HOST:PORT in '" + authority + "'")
          + "; use " + scheme + "://HOST:PORT");
    }
    if (u.getRawUserInfo() != null) {
      throw new IllegalArgumentException("--broker '" + broker + "' has credentials in it; use --username and --password");
    }
    String path = u.getRawPath();
    if ((path != null && !path.isEmpty() && !path.equals("/")) || u.getRawQuery() != null || u.getRawFragment() != null) {
      throw new IllegalArgumentException("--broker '" + broker + "' has a path, query or fragment; use " + scheme + "://HOST:PORT");
    }
    if (u.getPort() == 0 || u.getPort() > 65535) {
      throw new IllegalArgumentException("--broker '" + broker + "': port must be 1..65535, got " + u.getPort());
    }
    String host = u.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new BrokerUri(host, Math.max(0, u.getPort()), tls);
  }

  /** The port to connect to: the one given, else the transport's default. */
  public int port() {
    if (explicitPort > 0) {
      return explicitPort;
    }
    return tls ? DEFAULT_TLS_PORT : DEFAULT_TCP_PORT;
  }

  /** This broker over TLS (or not); a port left to the default follows the transport. */
  public BrokerUri withTls(boolean useTls) {
    return new BrokerUri(host, explicitPort, useTls);
  }

  /** {@code tcp://HOST:PORT} or {@code ssl://HOST:PORT}, with the port resolved. */
  @Override
  public String toString() {
    return (tls ? "ssl://" : "tcp://") + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port();
  }
}
