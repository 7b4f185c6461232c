package io.virtnet.runtime.cli;

import io.virtnet.runtime.mqtt.BrokerUri;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The broker flags every service shares (a picocli mixin). */
public final class BrokerOptions {
  @Option(names = "--broker", paramLabel = "tcp://HOST:PORT", defaultValue = "tcp://127.0.0.1:1883",
      description = "MQTT broker: tcp:// or mqtt://, ssl:// or tls:// or mqtts:// (TLS); default ${DEFAULT-VALUE}")
  public String broker;

  @Option(names = "--username", description = "MQTT user name")
  public String username;

  @Option(names = "--password", description = "MQTT password (or the environment variable VNET_MQTT_PASSWORD)")
  public String password;

  @Option(names = "--tls", description = "connect with TLS (implied by ssl://, tls://, mqtts:// and --ca-file)")
  public boolean tls;

  @Option(names = "--ca-file", paramLabel = "PEM", description = "CA certificate(s) that signed the broker's certificate")
  public Path caFile;

  /** Session options for this broker under {@code clientId}; throws IllegalArgumentException with a clear message. */
  public MqttSessionOptions toSessionOptions(String clientId) {
    BrokerUri uri = BrokerUri.parse(broker);
    if (tls || caFile != null) {
      uri = uri.withTls(true); // a port left to the default becomes 8883
    }
    MqttSessionOptions o = MqttSessionOptions.forBroker(uri, clientId);
    String pass = password != null ? password : System.getenv("VNET_MQTT_PASSWORD");
    if (username != null) {
      o = o.withCredentials(username, pass);
    }
    if (caFile != null && !Files.isReadable(caFile)) {
      throw new IllegalArgumentException("--ca-file " + caFile + " is not readable");
    }
    if (o.tls()) {
      o = o.withTls(true, caFile == null ? null : caFile.toString());
    }
    return o;
  }
}
