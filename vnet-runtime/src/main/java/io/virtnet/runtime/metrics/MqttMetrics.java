package io.virtnet.runtime.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.virtnet.runtime.mqtt.MqttSession;

/** Meters of a service's {@link MqttSession}. */
public final class MqttMetrics {
  public static final String RECONNECTS = "vnet_mqtt_reconnects";

  private MqttMetrics() {}

  /**
   * Registers {@code vnet_mqtt_reconnects_total{service}} over {@link MqttSession#reconnectCount()}.
   * A meter of an earlier session of the same service (a restarted verticle on a shared registry) is
   * replaced, so the counter always reads the live session.
   */
  public static Meter reconnects(MeterRegistry registry, String service, MqttSession session) {
    registry.find(RECONNECTS).tag("service", service).meters().forEach(registry::remove);
    return FunctionCounter.builder(RECONNECTS, session, s -> (double) s.reconnectCount())
        .description("Completed MQTT reconnections after the first connection")
        .tag("service", service)
        .register(registry);
  }
}
