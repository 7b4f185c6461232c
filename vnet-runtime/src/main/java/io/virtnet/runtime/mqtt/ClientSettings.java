package io.virtnet.runtime.mqtt;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClientOptions;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;

/** The vertx-mqtt client options for a session's options, and what a failed connection attempt means. */
final class ClientSettings {
  /** How long a TCP (and TLS) connection may take before the attempt counts as failed. */
  static final int CONNECT_TIMEOUT_MS = 5000;
  static final int MAX_MESSAGE_SIZE = 256 * 1024;

  private ClientSettings() {}

  static MqttClientOptions of(MqttSessionOptions options) {
    MqttClientOptions o = new MqttClientOptions()
        .setClientId(options.clientId())
        .setCleanSession(true)
        .setKeepAliveInterval(options.keepAliveSeconds())
        // the client fails a publish above this; the OutboundWindow keeps below it, with headroom
        .setMaxInflightQueue(options.maxInflight() * 2)
        .setMaxMessageSize(MAX_MESSAGE_SIZE)
        .setAutoKeepAlive(true);
    o.setAutoAck(true);
    o.setConnectTimeout(CONNECT_TIMEOUT_MS);
    if (options.username() != null) {
      o.setUsername(options.username());
      o.setPassword(options.password());
    }
    if (options.tls()) {
      o.setSsl(true);
      // "HTTPS" (RFC 2818): the certificate must name the host we connect to; "" would accept any host
      o.setHostnameVerificationAlgorithm(options.tlsInsecure() ? "" : "HTTPS");
      if (options.caFile() != null) {
        o.setTrustOptions(new PemTrustOptions().addCertPath(options.caFile()));
      }
    }
    MqttSessionOptions.Will will = options.will();
    if (will != null) {
      o.setWillFlag(true)
          .setWillTopic(will.topic())
          .setWillMessageBytes(will.payload())
          .setWillQoS(1)
          .setWillRetain(will.retain());
    }
    return o;
  }

  /** Why a connection attempt failed, in words that say what to do about a TLS failure. */
  static String describeFailure(Throwable failure, MqttSessionOptions options) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (t instanceof CertificateException && (m.contains("No subject alternative") || m.contains("No name matching"))) {
        return "TLS: the broker's certificate does not match the host name '" + options.host() + "' (" + m
            + "); connect by a name the certificate carries, or pass --tls-insecure to skip host name verification";
      }
      if (m.contains("unable to find valid certification path") || m.contains("PKIX path")) {
        return "TLS: the broker's certificate is not signed by a trusted CA (" + m + "); pass its CA with --ca-file";
      }
    }
    return failure instanceof SSLException ? "TLS: " + failure.getMessage() : String.valueOf(failure.getMessage());
  }
}
