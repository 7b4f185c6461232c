package io.virtnet.systemtests.support;


import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.Mqtt3Client;
import com.hivemq.client.mqtt.mqtt3.Mqtt3ClientBuilder;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.TrustManagerFactory;

/**
 * An authenticated MQTT 3.1.1 client for the system tests (HiveMQ MQTT client), speaking the
 * protocol version the services use. test-support's TestMqtt connects anonymously, which the
 * compose broker refuses. Records what arrives on its subscriptions for bounded awaits.
 */
public final class AuthMqtt implements AutoCloseable {
  private static final long TIMEOUT_S = 10;

  /** A message as received. */
  public record Received(String topic, byte[] payload, boolean retained) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }
  }

  private final Mqtt3AsyncClient client;
  private final List<Received> received = new CopyOnWriteArrayList<>();

  private AuthMqtt(Mqtt3AsyncClient client) {
    this.client = client;
    client.publishes(MqttGlobalPublishFilter.ALL, p -> received.add(
        new Received(p.getTopic().toString(), p.getPayloadAsBytes(), p.isRetain())));
  }

  /** Connects as {@code user} (null: anonymously); throws the broker's refusal as it comes. */
  public static AuthMqtt connect(int port, String user, String password, Tls tls) {
    Mqtt3ClientBuilder b = Mqtt3Client.builder()
        .identifier("it-" + (user == null ? "anon" : user) + "-" + UUID.randomUUID().toString().substring(0, 8))
        .serverHost("127.0.0.1")
        .serverPort(port);
    if (tls != null) {
      b = b.sslConfig(tls.config());
    }
    Mqtt3AsyncClient c = b.buildAsync();
    AuthMqtt m = new AuthMqtt(c);
    var connect = c.connectWith().cleanSession(true);
    if (user != null) {
      connect = connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
    }
    try {
      connect.send().orTimeout(TIMEOUT_S, TimeUnit.SECONDS).join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    return m;
  }

  public static AuthMqtt connect(int port, String user, String password) {
    return connect(port, user, password, null);
  }

  /** The failure of a connect attempt that must fail, or empty if it connected. */
  public static Optional<Throwable> connectFailure(int port, String user, String password, Tls tls) {
    try {
      connect(port, user, password, tls).close();
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of(e);
    }
  }

  /** Subscribes at QoS 1 and returns the broker's return code (FAILURE where the ACL refuses). */
  public Mqtt3SubAckReturnCode subscribe(String filter) {
    return client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send()
        .orTimeout(TIMEOUT_S, TimeUnit.SECONDS).join().getReturnCodes().get(0);
  }

  /** Publishes at QoS 1 and waits for the PUBACK (MQTT 3.1.1 brokers ack even a publish their ACL drops). */
  public void publish(String topic, String payload, boolean retain) {
    client.publishWith().topic(topic).payload(payload.getBytes(StandardCharsets.UTF_8))
        .qos(MqttQos.AT_LEAST_ONCE).retain(retain).send().orTimeout(TIMEOUT_S, TimeUnit.SECONDS).join();
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  /** Whether any message matching {@code p} arrived so far. */
  public boolean saw(Predicate<Received> p) {
    return received.stream().anyMatch(p);
  }

  /** Waits up to {@code bound} for a message matching {@code p}. */
  public Received await(String what, Duration bound, Predicate<Received> p) {
    return org.awaitility.Awaitility.await(what).atMost(bound).pollInterval(Duration.ofMillis(20))
        .until(() -> received.stream().filter(p).findFirst(), Optional::isPresent).orElseThrow();
  }

  /** The last message received on {@code topic}, if any. */
  public Optional<Received> last(String topic) {
    Received last = null;
    for (Received r : received) {
      if (r.topic().equals(topic)) {
        last = r;
      }
    }
    return Optional.ofNullable(last);
  }

  @Override
  public void close() {
    if (client.getState().isConnected()) {
      client.disconnect().orTimeout(TIMEOUT_S, TimeUnit.SECONDS).exceptionally(t -> null).join();
    }
  }

  /** TLS settings of a test client: trust the given CA, or (null) the JVM's default trust store. */
  public record Tls(Path caFile) {
    MqttClientSslConfig config() {
      if (caFile == null) {
        return MqttClientSslConfig.builder().build();
      }
      try (InputStream in = Files.newInputStream(caFile)) {
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
}
