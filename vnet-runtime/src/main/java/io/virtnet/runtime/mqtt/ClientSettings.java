package io.virtnet.runtime.mqtt;

import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClientOptions;

/** The vertx-mqtt client options for a session's options. */
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
      o.setHostnameVerificationAlgorithm("");
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
}
