package io.virtnet.injector.chaos;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The soak's own MQTT client: it mirrors the broker's retained store under the prefix and publishes
 * the faults. It subscribes with retain-as-published (MQTT 5), so a live message never counts as
 * retained; it reconnects by itself and forgets the mirror on every disconnect (a restarted broker
 * may have lost its store), so the mirror is always what a new subscriber would be given.
 */
public final class RetainedObserver implements AutoCloseable {
  private final Mqtt5AsyncClient client;
  private final Map<String, byte[]> retained = new ConcurrentHashMap<>();
  private volatile boolean connected;

  public RetainedObserver(String host, int port, String prefix) {
    String filter = prefix + "/#";
    client = Mqtt5Client.builder()
        .identifier("vnet-chaos-" + UUID.randomUUID().toString().substring(0, 8))
        .serverHost(host).serverPort(port)
        .automaticReconnect().initialDelay(100, TimeUnit.MILLISECONDS).maxDelay(500, TimeUnit.MILLISECONDS).applyAutomaticReconnect()
        .addConnectedListener(ctx -> {
          connected = true;
          client().subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).retainAsPublished(true).send();
        })
        .addDisconnectedListener(ctx -> {
          connected = false;
          retained.clear();
        })
        .buildAsync();
    client.publishes(MqttGlobalPublishFilter.ALL, p -> {
      if (p.isRetain()) {
        retained.put(p.getTopic().toString(), p.getPayloadAsBytes());
      }
    });
    client.connectWith().cleanStart(true).noSessionExpiry().send();
  }

  private Mqtt5AsyncClient client() {
    return client;
  }

  /** A copy of the retained store as mirrored now (a cleared topic maps to an empty payload). */
  public Map<String, byte[]> snapshot() {
    return Map.copyOf(retained);
  }

  public boolean connected() {
    return connected;
  }

  /** Publishes at QoS 1; fails (never throws) while the broker is away. */
  public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
    return client.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain).send()
        .thenAccept(r -> r.getError().ifPresent(e -> {
          throw new java.util.concurrent.CompletionException(e);
        }));
  }

  @Override
  public void close() {
    try {
      client.disconnect().get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the broker is gone already: nothing to release
    }
  }
}
