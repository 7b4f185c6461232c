package io.virtnet.injector;

import io.virtnet.runtime.cli.Durations;
import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfig;
import com.hivemq.client.mqtt.MqttClientTransportConfigBuilder;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttTopic;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5Client;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5SimpleAuth;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.TrustManagerFactory;

/**
 * A thin MQTT 5 client for the injector: connect, publish and subscribe at QoS 1 on the HiveMQ async
 * client, every result a {@link CompletableFuture}. Clean start, no session, no automatic reconnect:
 * a fault-injection run either reaches the broker or says why not.
 */
public final class InjectorClient implements AutoCloseable {
  /** How long a connect may take, TCP and MQTT together. */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** A message as received. */
  public record Message(String topic, byte[] payload, boolean retained, long receivedNanos) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private final Mqtt5AsyncClient client;
  private final BrokerSettings settings;

  private InjectorClient(Mqtt5AsyncClient client, BrokerSettings settings) {
    this.client = client;
    this.settings = settings;
  }

  /**
   * Connects within {@code timeout}. Fails with {@link BrokerUnreachableException}
   * ("cannot reach broker tcp://…: reason") when the broker is down, unknown, slow or refuses us.
   */
  public static CompletableFuture<InjectorClient> connect(BrokerSettings settings, Duration timeout) {
    Mqtt5AsyncClient client;
    try {
      client = builder(settings, timeout).buildAsync();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(unreachable(settings, e));
    }
    return client.connectWith().cleanStart(true).noSessionExpiry().send()
        .orTimeout(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS)
        .handle((ack, error) -> {
          if (error != null) {
            client.disconnect(); // releases the netty resources of a half-open attempt
            throw unreachable(settings, error);
          }
          return new InjectorClient(client, settings);
        });
  }

  /** Blocking {@link #connect(BrokerSettings, Duration)}, unwrapping the failure. */
  public static InjectorClient connectBlocking(BrokerSettings settings, Duration timeout) {
    return join(connect(settings, timeout), timeout.plusSeconds(2));
  }

  private static Mqtt5ClientBuilder builder(BrokerSettings s, Duration timeout) {
    MqttClientTransportConfigBuilder transport = MqttClientTransportConfig.builder()
        .serverHost(s.host())
        .serverPort(s.port())
        .socketConnectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .mqttConnectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (s.tls()) {
      transport.sslConfig(sslConfig(s));
    }
    Mqtt5ClientBuilder b = Mqtt5Client.builder()
        .identifier("vnet-injector-" + UUID.randomUUID().toString().substring(0, 8))
        .transportConfig(transport.build());
    if (s.username() != null) {
      Mqtt5SimpleAuth auth = s.password() == null
          ? Mqtt5SimpleAuth.builder().username(s.username()).build()
          : Mqtt5SimpleAuth.builder().username(s.username()).password(s.password().getBytes(StandardCharsets.UTF_8)).build();
      b.simpleAuth(auth);
    }
    return b;
  }

  private static MqttClientSslConfig sslConfig(BrokerSettings s) {
    if (s.caFile() == null) {
      return MqttClientSslConfig.builder().build();
    }
    try (InputStream in = Files.newInputStream(s.caFile())) {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        ks.setCertificateEntry("ca" + i++, c);
      }
      if (i == 0) {
        throw new IllegalArgumentException("--ca-file " + s.caFile() + " holds no certificate");
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      return MqttClientSslConfig.builder().trustManagerFactory(tmf).build();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("--ca-file " + s.caFile() + " cannot be read as PEM certificates: " + e.getMessage());
    }
  }

  static BrokerUnreachableException unreachable(BrokerSettings s, Throwable error) {
    return new BrokerUnreachableException("cannot reach broker " + s.uri() + ": " + reason(error));
  }

  private static String reason(Throwable error) {
    Throwable t = error;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof TimeoutException) {
      return "no answer within " + CONNECT_TIMEOUT.toSeconds() + " s";
    }
    if (t instanceof Mqtt5ConnAckException c) {
      return "the broker refused the connection (" + c.getMqttMessage().getReasonCode() + ")";
    }
    // The netty cause (connection refused, unknown host, TLS handshake) says most; use the deepest message.
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof UnknownHostException) {
      return "unknown host " + root.getMessage();
    }
    if (root instanceof ConnectException && root.getMessage() != null) {
      String m = root.getMessage();
      int colon = m.indexOf(':');
      return colon > 0 ? m.substring(0, colon) : m; // "Connection refused: /127.0.0.1:1883" → "Connection refused"
    }
    String m = root.getMessage() != null ? root.getMessage() : t.getMessage();
    return m != null ? m : root.getClass().getSimpleName();
  }

  /** Why MQTT forbids {@code topic} as a topic name (wildcards, NUL, empty), or null when it may be published. */
  public static String topicRefusal(String topic) {
    try {
      MqttTopic.of(topic);
      return null;
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  /** Publishes at QoS 1; completes when the broker acknowledged it. A forbidden topic fails with IllegalArgumentException. */
  public CompletableFuture<Void> publish(String topic, byte[] payload, boolean retain) {
    String refusal = topicRefusal(topic);
    if (refusal != null) {
      return CompletableFuture.failedFuture(new IllegalArgumentException(refusal));
    }
    return client.publishWith().topic(topic).payload(payload).qos(MqttQos.AT_LEAST_ONCE).retain(retain).send()
        .thenAccept(InjectorClient::checkPublished);
  }

  private static void checkPublished(Mqtt5PublishResult result) {
    if (result.getError().isPresent()) {
      throw new CompletionException(result.getError().get());
    }
    if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result q && q.getPubAck().getReasonCode().isError()) {
      throw new IllegalStateException("broker refused the publish: " + q.getPubAck().getReasonCode());
    }
  }

  /** Subscribes at QoS 1; {@code handler} runs on a client thread for every message, retained ones first. */
  public CompletableFuture<Void> subscribe(String filter, Consumer<Message> handler) {
    return client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
        .callback(p -> handler.accept(new Message(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain(), System.nanoTime())))
        .send()
        .thenAccept(ack -> checkSubscribed(filter, ack));
  }

  private static void checkSubscribed(String filter, Mqtt5SubAck ack) {
    for (Mqtt5SubAckReasonCode code : ack.getReasonCodes()) {
      if (code.isError()) {
        throw new IllegalStateException("broker refused the subscription to " + filter + ": " + code);
      }
    }
  }

  public CompletableFuture<Void> unsubscribe(String filter) {
    return client.unsubscribeWith().topicFilter(filter).send().thenAccept(ack -> { });
  }

  /**
   * The retained message on {@code topic}, or empty when none arrives within {@code wait} (the broker
   * sends retained messages right after the subscription, so a short wait is enough).
   */
  public CompletableFuture<Optional<Message>> retained(String topic, Duration wait) {
    CompletableFuture<Optional<Message>> result = new CompletableFuture<>();
    subscribe(topic, m -> {
      if (m.retained()) {
        result.complete(Optional.of(m));
      }
    }).whenComplete((ok, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      }
    });
    return result.completeOnTimeout(Optional.empty(), wait.toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(found -> unsubscribe(topic).handle((ok, e) -> found));
  }

  public BrokerSettings settings() {
    return settings;
  }

  /** Waits for {@code f} at most {@code within}, rethrowing its failure unwrapped. */
  public static <T> T join(CompletableFuture<T> f, Duration within) {
    try {
      return f.get(within.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    } catch (TimeoutException e) {
      throw new IllegalStateException("no answer from the broker within " + Durations.format(within));
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof CompletionException && c.getCause() != null) {
        c = c.getCause();
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(c.getMessage() == null ? c.toString() : c.getMessage(), c);
    }
  }

  /** Disconnects; safe to call twice. */
  @Override
  public void close() {
    try {
      client.disconnect().get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // already disconnected or the broker went away: nothing left to release
    }
  }
}
