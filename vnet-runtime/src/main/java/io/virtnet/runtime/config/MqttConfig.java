package io.virtnet.runtime.config;

import io.virtnet.protocol.Topics;

/** The {@code mqtt} section: the topic prefix shared by every service. */
public record MqttConfig(String prefix) {
  public MqttConfig {
    try {
      Topics.of(prefix);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("mqtt.prefix: " + e.getMessage());
    }
  }

  public Topics topics() {
    return Topics.of(prefix);
  }

  public static MqttConfig from(ConfigNode root) {
    ConfigNode n = root.child("mqtt").allowOnly("prefix");
    return new MqttConfig(n.string("prefix", Topics.DEFAULT_PREFIX));
  }
}
