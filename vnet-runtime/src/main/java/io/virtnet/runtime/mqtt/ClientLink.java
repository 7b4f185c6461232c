package io.virtnet.runtime.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;

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

  @Override
  public void restart() {
    client.disconnect();
  }
}
