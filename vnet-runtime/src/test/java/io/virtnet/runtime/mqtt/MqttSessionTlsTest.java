package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.testsupport.TlsMosquitto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** TLS against a real Mosquitto: the broker's host name is verified unless --tls-insecure says otherwise. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MqttSessionTlsTest {
  private final Logger sessionLog = (Logger) LoggerFactory.getLogger(MqttSession.class);
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

  @BeforeEach
  void captureLog() {
    logged.start();
    sessionLog.addAppender(logged);
  }

  @AfterEach
  void releaseLog() {
    sessionLog.detachAppender(logged);
  }

  private List<String> warnings() {
    return logged.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static MqttSessionOptions tlsTo(TlsMosquitto broker, String host) {
    return MqttSessionOptions.forBroker("ssl://" + host + ":" + broker.port(), "tls-" + UUID.randomUUID())
        .withTls(true, broker.caFile().toString())
        .withBackoff(Duration.ofMillis(100), Duration.ofMillis(500));
  }

  @Test
  void aCertificateForAnotherHostName_isRefused_withAMessageSayingSo(Vertx vertx, @TempDir Path dir) throws Exception {
    try (TlsMosquitto broker = TlsMosquitto.start(dir, "DNS:wrong.example")) {
      MqttSession session = MqttSession.create(vertx, tlsTo(broker, "localhost"));

      Future<Void> started = session.start();

      await().atMost(Duration.ofSeconds(10)).until(() -> warnings().stream().anyMatch(w -> w.contains("host name")));
      String warning = warnings().stream().filter(w -> w.contains("host name")).findFirst().orElseThrow();
      assertThat(warning).contains("cannot connect to ssl://localhost:" + broker.port())
          .contains("certificate does not match the host name 'localhost'");
      assertThat(started.isComplete()).as("connected anyway").isFalse();
      session.close(100).await(10, TimeUnit.SECONDS);
      assertThat(started.failed()).isTrue();
    }
  }

  @Test
  void withTheRightHostName_itConnectsAndCarriesMessages(Vertx vertx, @TempDir Path dir) throws Exception {
    try (TlsMosquitto broker = TlsMosquitto.start(dir, "DNS:localhost")) {
      MqttSession session = MqttSession.create(vertx, tlsTo(broker, "localhost"));
      session.start().await(10, TimeUnit.SECONDS);
      List<String> got = new CopyOnWriteArrayList<>();
      session.subscribe("tls/check", m -> got.add(m.payload().toString())).await(10, TimeUnit.SECONDS);

      session.publish("tls/check", Buffer.buffer("over TLS"), false).await(10, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(5)).until(() -> got.contains("over TLS"));
      assertThat(warnings()).isEmpty();
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void tlsInsecure_connectsDespiteTheOtherHostName(Vertx vertx, @TempDir Path dir) throws Exception {
    try (TlsMosquitto broker = TlsMosquitto.start(dir, "DNS:wrong.example")) {
      MqttSession session = MqttSession.create(vertx, tlsTo(broker, "localhost").withTlsInsecure(true));

      session.start().await(10, TimeUnit.SECONDS);

      assertThat(session.isConnected()).isTrue();
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }
}
