package io.virtnet.frontend.qemu;

import io.vertx.core.net.SocketAddress;
import java.time.Duration;

/**
 * Where and how a {@link QmpClient} talks to one QEMU monitor. {@code address} is
 * {@code unix:/path/qmp.sock} or {@code tcp:HOST:PORT} (as in a device's {@code frontend.qmp}).
 */
public record QmpOptions(
    String address, Duration commandTimeout, Duration connectTimeout, Duration reconnectMin, Duration reconnectMax) {

  /** A command with no reply within this time fails, so a wedged QEMU never wedges its caller. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_RECONNECT_MIN = Duration.ofMillis(100);
  public static final Duration DEFAULT_RECONNECT_MAX = Duration.ofSeconds(5);

  public QmpOptions {
    parseAddress(address);
    requirePositive("commandTimeout", commandTimeout);
    requirePositive("connectTimeout", connectTimeout);
    requirePositive("reconnectMin", reconnectMin);
    requirePositive("reconnectMax", reconnectMax);
    if (reconnectMax.compareTo(reconnectMin) < 0) {
      throw new IllegalArgumentException("reconnectMax must be >= reconnectMin, got " + reconnectMax + " < " + reconnectMin);
    }
  }

  /** The defaults for {@code address}. */
  public static QmpOptions of(String address) {
    return new QmpOptions(address, DEFAULT_COMMAND_TIMEOUT, DEFAULT_CONNECT_TIMEOUT, DEFAULT_RECONNECT_MIN, DEFAULT_RECONNECT_MAX);
  }

  public QmpOptions withCommandTimeout(Duration timeout) {
    return new QmpOptions(address, timeout, connectTimeout, reconnectMin, reconnectMax);
  }

  public QmpOptions withReconnect(Duration min, Duration max) {
    return new QmpOptions(address, commandTimeout, connectTimeout, min, max);
  }

  /** The socket address of {@link #address()}. */
  public SocketAddress socketAddress() {
    return parseAddress(address);
  }

  /** Parses {@code unix:PATH} or {@code tcp:HOST:PORT} ({@code tcp:[::1]:4444} for IPv6). */
  public static SocketAddress parseAddress(String address) {
    if (address == null) {
      throw new IllegalArgumentException("qmp address must be unix:PATH or tcp:HOST:PORT, got null");
    }
    if (address.startsWith("unix:") && address.length() > 5) {
      return SocketAddress.domainSocketAddress(address.substring(5));
    }
    if (address.startsWith("tcp:")) {
      String rest = address.substring(4);
      int colon = rest.lastIndexOf(':');
      if (colon > 0) {
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
          host = host.substring(1, host.length() - 1);
        }
        try {
          int port = Integer.parseInt(rest.substring(colon + 1));
          if (port >= 1 && port <= 65535 && !host.isEmpty()) {
            return SocketAddress.inetSocketAddress(port, host);
          }
        } catch (NumberFormatException e) {
          // fall through to the message below
        }
      }
    }
    throw new IllegalArgumentException("qmp address must be unix:PATH or tcp:HOST:PORT, got '" + address + "'");
  }

  private static void requirePositive(String field, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be a positive duration, got " + d);
    }
  }
}
