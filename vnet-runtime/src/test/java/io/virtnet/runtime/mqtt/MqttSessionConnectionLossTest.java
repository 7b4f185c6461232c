package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A session whose TCP connection dies under it (cut in a proxy), on the real broker. */
@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MqttSessionConnectionLossTest {

  @Test
  void whenTheConnectionDies_theWillFires_andTheReconnectedSessionRestoresItsState(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    String p = TestMqtt.uniquePrefix();
    String status = p + "/status";
    try (TestMqtt observer = TestMqtt.connect(broker.uri()).subscribe(status);
        CuttableProxy proxy = CuttableProxy.start(vertx, "127.0.0.1", broker.port())) {
      MqttSession session = MqttSession.create(vertx,
          MqttSessionOptions.forBroker("tcp://127.0.0.1:" + proxy.port(), "s-" + p)
              .withBackoff(Duration.ofMillis(300), Duration.ofMillis(600))
              .withWill(new MqttSessionOptions.Will(status, Buffer.buffer("offline-will"), true)));
      session.start().await(10, TimeUnit.SECONDS);
      session.publish(status, Buffer.buffer("online"), true).await(10, TimeUnit.SECONDS);
      observer.awaitLast(status, r -> r.text().equals("online"), Duration.ofSeconds(5));
      List<Boolean> lost = new CopyOnWriteArrayList<>();
      List<Boolean> back = new CopyOnWriteArrayList<>();
      session.onDisconnect(() -> lost.add(true));
      session.onReconnect(() -> back.add(true));

      // WHEN the socket dies without a DISCONNECT
      proxy.cut();

      // THEN the broker publishes the will, and the session, once back, republishes its retained status
      observer.awaitAny(status, r -> r.text().equals("offline-will"), Duration.ofSeconds(10));
      await().atMost(Duration.ofSeconds(10)).until(() -> !lost.isEmpty() && !back.isEmpty());
      observer.awaitLast(status, r -> r.text().equals("online"), Duration.ofSeconds(10));
      List<String> seen = observer.received(status).stream().map(TestMqtt.Received::text).toList();
      assertThat(seen).containsSubsequence("online", "offline-will", "online");
      assertThat(session.reconnectCount()).isEqualTo(1);

      // and a clean close afterwards sends no will
      observer.clear();
      session.publish(status, Buffer.buffer("offline-clean"), true);
      session.close(2000).await(10, TimeUnit.SECONDS);
      observer.awaitLast(status, r -> r.text().equals("offline-clean"), Duration.ofSeconds(5));
      assertThat(observer.received(status)).noneMatch(r -> r.text().equals("offline-will"));
    }
  }

  @Test
  void publishesInFlightWhenTheConnectionDies_arriveAfterTheReconnect(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    try (TestMqtt observer = TestMqtt.connect(broker.uri()).subscribe(p + "/load");
        CuttableProxy proxy = CuttableProxy.start(vertx, "127.0.0.1", broker.port())) {
      MqttSession session = MqttSession.create(vertx,
          MqttSessionOptions.forBroker("tcp://127.0.0.1:" + proxy.port(), "s-" + p)
              .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
      session.start().await(10, TimeUnit.SECONDS);
      List<io.vertx.core.Future<Void>> all = new java.util.ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        all.add(session.publish(p + "/load", Buffer.buffer(Integer.toString(i)), false));
        if (i == 1000) {
          proxy.cut();
        }
      }

      io.vertx.core.Future.all(all).await(30, TimeUnit.SECONDS);
      // at least once: every message arrives; a message may repeat only if it was unacknowledged at the cut
      await().atMost(Duration.ofSeconds(20)).until(() -> observer.received(p + "/load").stream()
          .map(TestMqtt.Received::text).distinct().count() == 2000);
      assertThat(observer.received(p + "/load").size()).isLessThan(2000 + MqttSessionOptions.DEFAULT_MAX_INFLIGHT);
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aSubscriptionAskedForWhileAReconnectionResubscribesEveryFilter_isStillSent(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    // more filters than the SUBSCRIBEs in flight can carry at once (64 × 1,000): the re-subscribe fills every slot
    String p = TestMqtt.uniquePrefix();
    int n = 70_000;
    try (CuttableProxy proxy = CuttableProxy.start(vertx, "127.0.0.1", broker.port())) {
      MqttSession session = MqttSession.create(vertx,
          MqttSessionOptions.forBroker("tcp://127.0.0.1:" + proxy.port(), "s-" + p)
              .withBackoff(Duration.ofMillis(50), Duration.ofMillis(200)));
      session.start().await(10, TimeUnit.SECONDS);
      io.vertx.core.Future.all(MqttSessionTest.subscribeInOneTurn(vertx, session, p + "/s/", n, m -> { }))
          .await(60, TimeUnit.SECONDS);
      session.publish(p + "/late", Buffer.buffer("retained"), true).await(10, TimeUnit.SECONDS);
      List<String> late = new CopyOnWriteArrayList<>();
      List<io.vertx.core.Future<MqttSession.Subscription>> asked = new CopyOnWriteArrayList<>();
      // asked for on the reconnection, right after every filter's SUBSCRIBE went out again
      session.onReconnect(() -> asked.add(session.subscribe(p + "/late", m -> late.add(m.payload().toString()))));

      proxy.cut();

      await().atMost(Duration.ofSeconds(10)).until(() -> !asked.isEmpty());
      asked.get(0).await(60, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> late.contains("retained"));
      assertThat(session.reconnectCount()).isEqualTo(1);
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }
}
