package io.virtnet.testsupport;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A test's own MQTT client (HiveMQ MQTT client, MQTT 5): publishes, and records everything on the
 * filters it subscribed to so tests can await what they expect with a bound.
 */
public final class TestMqtt implements AutoCloseable {
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  /** A message as received, with the local receive time. */
  public record Received(String topic, byte[] payload, boolean retained, long receivedNanos) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }

    public boolean isEmpty() {
      return payload.length == 0;
    }
  }

  private final Mqtt5AsyncClient client;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final List<String> filters = new CopyOnWriteArrayList<>();

  private TestMqtt(Mqtt5AsyncClient client) {
    this.client = client;
  }

  /** A topic prefix no other test uses, so tests can share one broker. */
  public static String uniquePrefix() {
    return "t" + PREFIXES.incrementAndGet() + "x" + UUID.randomUUID().toString().substring(0, 6);
  }

  public static TestMqtt connect(String brokerUri) {
    URI uri = URI.create(brokerUri);
    Mqtt5AsyncClient c = Mqtt5Client.builder()
        .identifier("test-" + UUID.randomUUID())
        .serverHost(uri.getHost())
        .serverPort(uri.getPort())
        .buildAsync();
    TestMqtt t = new TestMqtt(c);
    c.publishes(MqttGlobalPublishFilter.ALL, p -> t.received.add(new Received(
        p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain(), System.nanoTime())));
    c.connectWith().cleanStart(true).send().orTimeout(10, TimeUnit.SECONDS).join();
    return t;
  }

  public TestMqtt subscribe(String filter) {
    client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send().orTimeout(10, TimeUnit.SECONDS).join();
    filters.add(filter);
    return this;
  }

  public void publish(String topic, byte[] payload, boolean retain) {
    client.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain).send()
        .orTimeout(10, TimeUnit.SECONDS).join();
  }

  public void publish(String topic, String payload) {
    publish(topic, payload.getBytes(StandardCharsets.UTF_8), false);
  }

  public void publishRetained(String topic, String payload) {
    publish(topic, payload.getBytes(StandardCharsets.UTF_8), true);
  }

  public List<Received> received() {
    return new ArrayList<>(received);
  }

  public List<Received> received(String topic) {
    return received.stream().filter(r -> r.topic.equals(topic)).toList();
  }

  /** The last message on {@code topic}, if any. */
  public Optional<Received> last(String topic) {
    List<Received> on = received(topic);
    return on.isEmpty() ? Optional.empty() : Optional.of(on.get(on.size() - 1));
  }

  /** Waits (bounded) until the last message on {@code topic} satisfies {@code predicate}; returns it. */
  public Received awaitLast(String topic, Predicate<Received> predicate, Duration within) {
    // the message that satisfied the predicate, not a later one read again after the wait
    return await().atMost(within).pollInterval(Duration.ofMillis(10))
        .until(() -> last(topic).filter(predicate), Optional::isPresent).orElseThrow();
  }

  /** Waits until the last JSON message on {@code topic} has {@code key} equal to {@code value}. */
  public JsonObject awaitJson(String topic, String key, Object value, Duration within) {
    return awaitLast(topic, r -> !r.isEmpty() && value.equals(r.json().getValue(key)), within).json();
  }

  /** Waits until some message (not only the last) on {@code topic} satisfies {@code predicate}. */
  public Received awaitAny(String topic, Predicate<Received> predicate, Duration within) {
    return await().atMost(within).pollInterval(Duration.ofMillis(10))
        .until(() -> received(topic).stream().filter(predicate).findFirst(), Optional::isPresent).orElseThrow();
  }

  public void clear() {
    received.clear();
  }

  @Override
  public void close() {
    try {
      client.disconnect().orTimeout(5, TimeUnit.SECONDS).join();
    } catch (RuntimeException e) {
      // already gone
    }
  }
}
