package io.virtnet.runtime.cli;

import io.virtnet.runtime.mqtt.BrokerUri;
import io.virtnet.runtime.mqtt.MqttSessionOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The broker flags every service shares (a picocli mixin). */
public final class BrokerOptions {
  private static final Logger LOG = LoggerFactory.getLogger(BrokerOptions.class);

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

  @Option(names = "--tls-insecure",
      description = "TLS without host name verification: accept a broker certificate made for another name (unsafe)")
  public boolean tlsInsecure;

  private boolean insecureWarned;

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
      o = o.withTls(true, caFile == null ? null : caFile.toString()).withTlsInsecure(tlsInsecure);
      if (tlsInsecure && !insecureWarned) {
        insecureWarned = true; // once per process, however many sessions it opens
        LOG.warn("!!! --tls-insecure: the broker's host name is NOT verified; any certificate the CA signed is accepted, "
            + "for whichever host, so a man in the middle holding one can read and forge every message. "
            + "Use only to test; connect by a name the broker's certificate carries instead.");
      }
    }
    return o;
  }
}
