package io.virtnet.testsupport;

import static org.awaitility.Awaitility.await;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test's own MQTT client (HiveMQ MQTT client): publishes, and records everything on the filters it
 * subscribed to so tests can await what they expect with a bound. MQTT 5 and anonymous by default;
 * {@link #to} connects with a login, TLS or MQTT 3.1.1 (the version the services speak, e.g. to see
 * a broker's ACL as they see it).
 */
public final class TestMqtt implements AutoCloseable {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final long TIMEOUT_S = 10;

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

  /** TLS settings: trust the given CA, or (null) the JVM's default trust store. */
  public record Tls(Path caFile) {}

  /** Where and how to connect; {@link #connect()} makes the client. */
  public record Options(String host, int port, String user, String password, Tls tls, boolean version311) {
    /** With a login ({@code user} null: anonymous). */
    public Options login(String user, String password) {
      return new Options(host, port, user, password, tls, version311);
    }

    public Options tls(Tls tls) {
      return new Options(host, port, user, password, tls, version311);
    }

    /** MQTT 3.1.1 instead of 5. */
    public Options mqtt311() {
      return new Options(host, port, user, password, tls, true);
    }

    /** Connects; throws the broker's refusal (or the TLS failure) as it comes. */
    public TestMqtt connect() {
      return TestMqtt.connect(this);
    }

    /** The failure of a connect attempt that must fail, or empty if it connected. */
    public Optional<Throwable> connectFailure() {
      try {
        connect().close();
        return Optional.empty();
      } catch (RuntimeException e) {
        return Optional.of(e);
      }
    }
  }

  // exactly one of the two is set
  private final Mqtt5AsyncClient client5;
  private final Mqtt3AsyncClient client3;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  private TestMqtt(Mqtt5AsyncClient client5, Mqtt3AsyncClient client3) {
    this.client5 = client5;
    this.client3 = client3;
  }

  /** A topic prefix no other test uses, so tests can share one broker. */
  public static String uniquePrefix() {
    return "t" + PREFIXES.incrementAndGet() + "x" + UUID.randomUUID().toString().substring(0, 6);
  }

  /** Options for a broker on {@code host:port}: anonymous, plain TCP, MQTT 5. */
  public static Options to(String host, int port) {
    return new Options(host, port, null, null, null, false);
  }

  /** Connects anonymously with MQTT 5 to {@code tcp://HOST:PORT}. */
  public static TestMqtt connect(String brokerUri) {
    URI uri = URI.create(brokerUri);
    return to(uri.getHost(), uri.getPort()).connect();
  }

  private static TestMqtt connect(Options o) {
    String id = "test-" + (o.user() == null ? "" : o.user() + "-") + UUID.randomUUID().toString().substring(0, 8);
    MqttClientSslConfig ssl = o.tls() == null ? null : sslConfig(o.tls());
    byte[] password = o.password() == null ? null : o.password().getBytes(StandardCharsets.UTF_8);
    TestMqtt t;
    CompletableFuture<?> connected;
    if (o.version311()) {
      Mqtt3AsyncClient c = Mqtt3Client.builder().identifier(id).serverHost(o.host()).serverPort(o.port())
          .sslConfig(ssl).buildAsync();
      t = new TestMqtt(null, c);
      c.publishes(MqttGlobalPublishFilter.ALL, p -> t.record(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain()));
      var connect = c.connectWith().cleanSession(true);
      if (o.user() != null) {
        connect = connect.simpleAuth().username(o.user()).password(password).applySimpleAuth();
      }
      connected = connect.send();
    } else {
      Mqtt5AsyncClient c = Mqtt5Client.builder().identifier(id).serverHost(o.host()).serverPort(o.port())
          .sslConfig(ssl).buildAsync();
      t = new TestMqtt(c, null);
      c.publishes(MqttGlobalPublishFilter.ALL, p -> t.record(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain()));
      var connect = c.connectWith().cleanStart(true);
      if (o.user() != null) {
        connect = connect.simpleAuth().username(o.user()).password(password).applySimpleAuth();
      }
      connected = connect.send();
    }
    join(connected);
    return t;
  }

  private void record(String topic, byte[] payload, boolean retained) {
    received.add(new Received(topic, payload, retained, System.nanoTime()));
  }

  private static <T> T join(CompletableFuture<T> f) {
    try {
      return f.orTimeout(TIMEOUT_S, TimeUnit.SECONDS).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /** Subscribes at QoS 1; fails when the broker refuses. */
  public TestMqtt subscribe(String filter) {
    if (!trySubscribe(filter)) {
      throw new IllegalStateException("the broker refused the subscription to " + filter);
    }
    return this;
  }

  /** Subscribes at QoS 1; false when the broker refuses (e.g. its ACL). */
  public boolean trySubscribe(String filter) {
    try {
      if (client3 != null) {
        return join(client3.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
            .getReturnCodes().get(0) != Mqtt3SubAckReturnCode.FAILURE;
      }
      return !join(client5.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send())
          .getReasonCodes().get(0).isError();
    } catch (RuntimeException e) {
      if (e.getClass().getSimpleName().startsWith("Mqtt") && e.getClass().getSimpleName().endsWith("SubAckException")) {
        return false;
      }
      throw e;
    }
  }

  /** Publishes at QoS 1 and waits for the PUBACK (an MQTT 3.1.1 broker acks even a publish its ACL drops). */
  public void publish(String topic, byte[] payload, boolean retain) {
    if (client3 != null) {
      join(client3.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain).send());
    } else {
      join(client5.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain).send());
    }
  }

  public void publish(String topic, String payload, boolean retain) {
    publish(topic, payload.getBytes(StandardCharsets.UTF_8), retain);
  }

  public void publish(String topic, String payload) {
    publish(topic, payload, false);
  }

  public void publishRetained(String topic, String payload) {
    publish(topic, payload, true);
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

  /** Whether any message matching {@code p} arrived so far. */
  public boolean saw(Predicate<Received> p) {
    return received.stream().anyMatch(p);
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
    return awaitAnySince(0, topic, predicate, within);
  }

  /** How many messages arrived so far: a mark for {@link #awaitAnySince}. */
  public int mark() {
    return received.size();
  }

  /**
   * Waits until a message on {@code topic} that arrived after {@code mark} satisfies {@code predicate}: the
   * answer to a write of ours, which the broker may deliver to us before that write itself (HiveMQ does
   * not order two publishers' messages alike for every subscriber), so not necessarily the last.
   */
  public Received awaitAnySince(int mark, String topic, Predicate<Received> predicate, Duration within) {
    return awaitMatchingSince(mark, topic, within, r -> r.topic.equals(topic) && predicate.test(r));
  }

  /** Waits until some message on any topic satisfies {@code predicate}; {@code what} names it in the failure. */
  public Received awaitMatching(String what, Duration within, Predicate<Received> predicate) {
    return awaitMatchingSince(0, what, within, predicate);
  }

  private Received awaitMatchingSince(int mark, String what, Duration within, Predicate<Received> predicate) {
    return await(what).atMost(within).pollInterval(Duration.ofMillis(10))
        .until(() -> received.stream().skip(mark).filter(predicate).findFirst(), Optional::isPresent).orElseThrow();
  }

  public void clear() {
    received.clear();
  }

  @Override
  public void close() {
    try {
      if (client3 != null) {
        client3.disconnect().orTimeout(5, TimeUnit.SECONDS).join();
      } else {
        client5.disconnect().orTimeout(5, TimeUnit.SECONDS).join();
      }
    } catch (RuntimeException e) {
      // already gone
    }
  }

  private static MqttClientSslConfig sslConfig(Tls tls) {
    if (tls.caFile() == null) {
      return MqttClientSslConfig.builder().build();
    }
    try (InputStream in = Files.newInputStream(tls.caFile())) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return MqttClientSslConfig.builder().trustManagerFactory(tmf).handshakeTimeout(5, TimeUnit.SECONDS).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
