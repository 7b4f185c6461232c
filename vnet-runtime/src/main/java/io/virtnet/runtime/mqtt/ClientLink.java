package io.virtnet.runtime.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import java.util.Map;

/** One connection of the session: its vertx-mqtt client, as the {@link OutboundWindow} sees it. */
final class ClientLink implements OutboundWindow.Link {
  final MqttClient client;

  ClientLink(MqttClient client) {
    this.client = client;
  }

  @Override
  public Future<Integer> publish(String topic, Buffer payload, boolean retain) {
    return client.publish(topic, payload, MqttQoS.AT_LEAST_ONCE, false, retain);
  }

  /** Subscribes at the broker; the future carries the SUBSCRIBE's packet id (or why the client refused it). */
  Future<Integer> subscribe(Map<String, Integer> filters) {
    try {
      return client.subscribe(filters);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public void restart() {
    client.disconnect();
  }
}
