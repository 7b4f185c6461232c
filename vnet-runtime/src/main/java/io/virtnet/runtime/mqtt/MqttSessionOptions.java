package io.virtnet.runtime.mqtt;

import io.vertx.core.buffer.Buffer;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the broker (see {@link BrokerUri}), credentials, an optional CA file for TLS, a last
 * will, and the reconnect backoff. Over TLS the broker's certificate must match its host name
 * ("HTTPS" verification) unless {@code tlsInsecure} (the {@code --tls-insecure} flag) turns that off.
 */
public record MqttSessionOptions(
    String host,
    int port,
    boolean tls,
    String caFile,
    boolean tlsInsecure,
    String clientId,
    String username,
    String password,
    Will will,
    int keepAliveSeconds,
    Duration backoffMin,
    Duration backoffMax,
    int maxInflight) {

  public static final int DEFAULT_KEEP_ALIVE_SECONDS = 10;
  public static final Duration DEFAULT_BACKOFF_MIN = Duration.ofMillis(100);
  public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofSeconds(5);
  /** vertx-mqtt fails the 11th unacknowledged QoS 1 publish by default; we queue above this instead. */
  public static final int DEFAULT_MAX_INFLIGHT = 1000;

  /** The last will: published by the broker when the connection dies without a DISCONNECT. */
  public record Will(String topic, Buffer payload, boolean retain) {}

  public MqttSessionOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(clientId, "clientId");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("broker port must be 1..65535, got " + port);
    }
  }

  /** Options for a {@link BrokerUri} ({@code tcp://HOST:PORT}, {@code ssl://HOST:PORT}, ...) with defaults for the rest. */
  public static MqttSessionOptions forBroker(String brokerUri, String clientId) {
    return forBroker(BrokerUri.parse(brokerUri), clientId);
  }

  /** Options for {@code broker} with defaults for the rest. */
  public static MqttSessionOptions forBroker(BrokerUri broker, String clientId) {
    return new MqttSessionOptions(broker.host(), broker.port(), broker.tls(), null, false, clientId, null, null, null,
        DEFAULT_KEEP_ALIVE_SECONDS, DEFAULT_BACKOFF_MIN, DEFAULT_BACKOFF_MAX, DEFAULT_MAX_INFLIGHT);
  }

  public MqttSessionOptions withWill(Will newWill) {
    return new MqttSessionOptions(host, port, tls, caFile, tlsInsecure, clientId, username, password, newWill,
        keepAliveSeconds, backoffMin, backoffMax, maxInflight);
  }

  public MqttSessionOptions withCredentials(String user, String pass) {
    return new MqttSessionOptions(host, port, tls, caFile, tlsInsecure, clientId, user, pass, will,
        keepAliveSeconds, backoffMin, backoffMax, maxInflight);
  }

  public MqttSessionOptions withTls(boolean useTls, String ca) {
    return new MqttSessionOptions(host, port, useTls, ca, tlsInsecure, clientId, username, password, will,
        keepAliveSeconds, backoffMin, backoffMax, maxInflight);
  }

  public MqttSessionOptions withClientId(String id) {
    return new MqttSessionOptions(host, port, tls, caFile, tlsInsecure, id, username, password, will,
        keepAliveSeconds, backoffMin, backoffMax, maxInflight);
  }

  public MqttSessionOptions withBackoff(Duration min, Duration max) {
    return new MqttSessionOptions(host, port, tls, caFile, tlsInsecure, clientId, username, password, will,
        keepAliveSeconds, min, max, maxInflight);
  }

  /**
   * Without host name verification when {@code insecure}: any certificate the CA signed is accepted,
   * whichever host it was made for. For a broker reached by a name its certificate lacks; say so loudly.
   */
  public MqttSessionOptions withTlsInsecure(boolean insecure) {
    return new MqttSessionOptions(host, port, tls, caFile, insecure, clientId, username, password, will,
        keepAliveSeconds, backoffMin, backoffMax, maxInflight);
  }

  public String uri() {
    return new BrokerUri(host, port, tls).toString();
  }

  /** Never the password: options end up in log lines and exception messages. */
  @Override
  public String toString() {
    return "MqttSessionOptions[" + uri() + ", clientId=" + clientId + ", username=" + username
        + ", password=" + (password == null ? "none" : "****") + ", tlsInsecure=" + tlsInsecure + ", caFile=" + caFile
        + ", keepAlive=" + keepAliveSeconds + "s, maxInflight=" + maxInflight + "]";
  }
}
