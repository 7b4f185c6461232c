package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.virtnet.broker.EmbeddedBroker;
import io.virtnet.testsupport.SharedBroker;
import io.virtnet.testsupport.TestMqtt;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith({VertxExtension.class, SharedBroker.class})
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class MqttSessionTest {
  /** A session of its own (client id from the test's prefix), connected. */
  private static MqttSession started(Vertx vertx, EmbeddedBroker broker, String prefix) throws Exception {
    MqttSession session = MqttSession.create(vertx, MqttSessionOptions.forBroker(broker.uri(), "s-" + prefix));
    session.start().await(10, TimeUnit.SECONDS);
    return session;
  }

  /** Subscribes {@code prefix + i} for i < {@code n}, all in one turn of one context; the futures once all were asked for. */
  static List<Future<MqttSession.Subscription>> subscribeInOneTurn(Vertx vertx, MqttSession session, String prefix,
      int n, io.vertx.core.Handler<InboundMessage> handler) {
    List<Future<MqttSession.Subscription>> subs = new CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      List<Future<MqttSession.Subscription>> asked = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        asked.add(session.subscribe(prefix + i, handler));
      }
      subs.addAll(asked);
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> subs.size() == n);
    return subs;
  }

  @Test
  void publishesAndDispatchesToExactAndWildcardSubscribers(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    List<String> exact = new CopyOnWriteArrayList<>();
    List<String> wild = new CopyOnWriteArrayList<>();
    session.subscribe(p + "/a/b", m -> exact.add(m.payload().toString())).await(10, TimeUnit.SECONDS);
    session.subscribe(p + "/+/b", m -> wild.add(m.topic())).await(10, TimeUnit.SECONDS);

    session.publish(p + "/a/b", Buffer.buffer("one"), false).await(10, TimeUnit.SECONDS);
    session.publish(p + "/c/b", Buffer.buffer("two"), false).await(10, TimeUnit.SECONDS);

    await().atMost(Duration.ofSeconds(5)).until(() -> wild.size() == 2);
    assertThat(exact).containsExactly("one");
    assertThat(wild).containsExactlyInAnyOrder(p + "/a/b", p + "/c/b");
    // a vertx-mqtt upgrade that hides the socket must be noticed: unbatched, a storm costs ~2x the CPU
    assertThat(session.flushBatched()).as("flushes batched").isTrue();
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void seventyThousandSubscriptionsAtOnce_areAllAcknowledged_onOneConnection(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    // more than the 65,535 packet ids: unbounded, ids of open SUBSCRIBEs were reused (bench (d) hung)
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    int n = 70_000;
    List<String> got = new CopyOnWriteArrayList<>();
    List<Future<MqttSession.Subscription>> subs = subscribeInOneTurn(vertx, session, p + "/s/", n,
        m -> got.add(m.topic()));

    Future.all(subs).await(90, TimeUnit.SECONDS);
    session.publish(p + "/s/" + (n - 1), Buffer.buffer("last"), false).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> got.contains(p + "/s/" + (n - 1)));
    assertThat(session.reconnectCount()).as("the broker never dropped the connection").isZero();

    // and all of them unsubscribed at once (a stop of 10,000 instances)
    List<Future<Void>> gone = new ArrayList<>(n);
    vertx.getOrCreateContext().runOnContext(v -> subs.forEach(f -> gone.add(f.result().unsubscribe())));
    await().atMost(Duration.ofSeconds(5)).until(() -> gone.size() == n);
    Future.all(gone).await(90, TimeUnit.SECONDS);
    session.subscribe(p + "/marker", m -> got.add(m.topic())).await(10, TimeUnit.SECONDS);
    session.publish(p + "/s/0", Buffer.buffer("after"), false).await(10, TimeUnit.SECONDS);
    session.publish(p + "/marker", Buffer.buffer("m"), false).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> got.contains(p + "/marker"));
    assertThat(got).doesNotContain(p + "/s/0");
    assertThat(session.reconnectCount()).isZero();
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aFilterUnsubscribedAndSubscribedAgainInOneTurn_staysSubscribedAtTheBroker(Vertx vertx, EmbeddedBroker broker)
      throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    MqttSession.Subscription first = session.subscribe(p + "/t", m -> { }).await(10, TimeUnit.SECONDS);
    List<String> got = new CopyOnWriteArrayList<>();
    List<Future<?>> both = new CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      both.add(first.unsubscribe());
      both.add(session.subscribe(p + "/t", m -> got.add(m.payload().toString())));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> both.size() == 2);
    Future.all(both).await(10, TimeUnit.SECONDS);

    session.publish(p + "/t", Buffer.buffer("still here"), false).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("still here"));
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aLiveRetainedPublishArrivesAsLiveAndTheStoredOneAsRetained(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    List<Boolean> first = new CopyOnWriteArrayList<>();
    session.subscribe(p + "/cfg", m -> first.add(m.retained())).await(10, TimeUnit.SECONDS);
    session.publish(p + "/cfg", Buffer.buffer("live"), true).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.size() == 1);
    List<Boolean> late = new CopyOnWriteArrayList<>();
    session.subscribe(p + "/cfg", m -> late.add(m.retained())).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> late.size() == 1);
    // the frontend applies a retained config at once (probe) but holds a live one for its IRQ
    assertThat(first).as("delivered live").containsExactly(false);
    assertThat(late).as("delivered because of the subscription").containsExactly(true);
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void fiveThousandUnacknowledgedPublishesAllArriveInOrder(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    try (TestMqtt observer = TestMqtt.connect(broker.uri()).subscribe(p + "/load")) {
      MqttSession session = started(vertx, broker, p);
      List<Future<Void>> all = new ArrayList<>();
      for (int i = 0; i < 5000; i++) {
        all.add(session.publish(p + "/load", Buffer.buffer(Integer.toString(i)), false));
      }
      Future.all(all).await(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(20)).until(() -> observer.received(p + "/load").size() == 5000);
      List<TestMqtt.Received> got = observer.received(p + "/load");
      for (int i = 0; i < 5000; i++) {
        assertThat(got.get(i).text()).isEqualTo(Integer.toString(i));
      }
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void afterBrokerRestartResubscribesAndRepublishesRetainedState(Vertx vertx) throws Exception {
    try (EmbeddedBroker own = EmbeddedBroker.start(0)) {
      String p = TestMqtt.uniquePrefix();
      MqttSession session = MqttSession.create(vertx,
          MqttSessionOptions.forBroker(own.uri(), "s-" + p).withBackoff(Duration.ofMillis(50), Duration.ofMillis(500)));
      session.start().await(10, TimeUnit.SECONDS);
      List<String> got = new CopyOnWriteArrayList<>();
      session.subscribe(p + "/in", m -> got.add(m.payload().toString())).await(10, TimeUnit.SECONDS);
      session.publish(p + "/state", Buffer.buffer("kept"), true).await(10, TimeUnit.SECONDS);
      List<Boolean> reconnected = new CopyOnWriteArrayList<>();
      session.onReconnect(() -> reconnected.add(true));

      own.restart(); // in-memory persistence: the retained store comes back empty

      await().atMost(Duration.ofSeconds(20)).until(() -> !reconnected.isEmpty());
      try (TestMqtt t = TestMqtt.connect(own.uri()).subscribe(p + "/state")) {
        t.awaitLast(p + "/state", r -> r.text().equals("kept"), Duration.ofSeconds(10));
        t.publish(p + "/in", "after");
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> got.contains("after"));
      assertThat(session.reconnectCount()).isEqualTo(1);
      session.close(1000).await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void willFiresOnlyWhenTheConnectionDiesNotOnCleanClose(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    try (TestMqtt observer = TestMqtt.connect(broker.uri()).subscribe(p + "/status")) {
      MqttSession session = MqttSession.create(vertx, MqttSessionOptions.forBroker(broker.uri(), "s-" + p)
          .withWill(new MqttSessionOptions.Will(p + "/status", Buffer.buffer("offline-will"), true)));
      session.start().await(10, TimeUnit.SECONDS);
      session.publish(p + "/status", Buffer.buffer("online"), true).await(10, TimeUnit.SECONDS);
      session.publish(p + "/status", Buffer.buffer("offline-clean"), true);
      session.close(2000).await(10, TimeUnit.SECONDS);
      observer.awaitLast(p + "/status", r -> r.text().equals("offline-clean"), Duration.ofSeconds(5));
      assertThat(observer.received(p + "/status")).noneMatch(r -> r.text().equals("offline-will"));
    }
  }

  @Test
  void twoSubscribersOfOneFilterInOneTurn_shareASubscribe_andEachGetsTheRetainedMessage(Vertx vertx,
      EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    session.publish(p + "/state", Buffer.buffer("current"), true).await(10, TimeUnit.SECONDS);
    List<String> first = new CopyOnWriteArrayList<>();
    List<String> second = new CopyOnWriteArrayList<>();
    List<Future<MqttSession.Subscription>> subs = new CopyOnWriteArrayList<>();
    vertx.getOrCreateContext().runOnContext(v -> {
      subs.add(session.subscribe(p + "/state", m -> first.add(m.payload().toString())));
      subs.add(session.subscribe(p + "/other", m -> { }));
      subs.add(session.subscribe(p + "/state", m -> second.add(m.payload().toString())));
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> subs.size() == 3);
    Future.all(subs).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.contains("current") && second.contains("current"));
    // a marker through the broker: no second copy of the retained message follows for either
    session.publish(p + "/state", Buffer.buffer("next"), true).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.contains("next") && second.contains("next"));
    assertThat(first).containsExactly("current", "next");
    assertThat(second).containsExactly("current", "next");
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void aSecondSubscriberOfAHeldFilterStillGetsTheRetainedMessages(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    session.publish(p + "/state", Buffer.buffer("current"), true).await(10, TimeUnit.SECONDS);
    List<String> first = new CopyOnWriteArrayList<>();
    List<String> second = new CopyOnWriteArrayList<>();
    session.subscribe(p + "/state", m -> first.add(m.payload().toString())).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.contains("current"));
    session.subscribe(p + "/state", m -> second.add(m.payload().toString())).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> second.contains("current"));
    // a live change still reaches both, and the re-sent retained message reached only the newcomer
    session.publish(p + "/state", Buffer.buffer("next"), true).await(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> first.contains("next") && second.contains("next"));
    assertThat(first).containsExactly("current", "next");
    assertThat(second).containsExactly("current", "next");
    session.close(1000).await(10, TimeUnit.SECONDS);
  }

  @Test
  void topicFilterMatching() {
    assertThat(TopicFilter.matches("a/+/c", "a/b/c")).isTrue();
    assertThat(TopicFilter.matches("a/+/c", "a/b/d")).isFalse();
    assertThat(TopicFilter.matches("a/+", "a/b/c")).isFalse();
    assertThat(TopicFilter.matches("a/#", "a/b/c")).isTrue();
    assertThat(TopicFilter.matches("a/+/#", "a/b")).isTrue();
    assertThat(TopicFilter.matches("a/+/+/ref/+", "a/x/eth0/ref/h1")).isTrue();
    assertThat(TopicFilter.matches("a/+/+/ref/+", "a/x/eth0/state")).isFalse();
    assertThat(TopicFilter.matches("a/b", "a/b")).isTrue();
    assertThat(TopicFilter.matches("a/b", "a/bc")).isFalse();
    assertThat(TopicFilter.matches("+/+", "a/")).isTrue();
  }

  @Test
  void aTypedSubscription_neverHandsABadPayloadToItsHandler(Vertx vertx, EmbeddedBroker broker) throws Exception {
    String p = TestMqtt.uniquePrefix();
    MqttSession session = started(vertx, broker, p);
    io.virtnet.runtime.metrics.Rejections rejections = new io.virtnet.runtime.metrics.Rejections(
        new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), "test");
    List<Received<io.virtnet.protocol.ServiceStatus>> got = new CopyOnWriteArrayList<>();
    session.subscribe(p + "/phy/linux0/status", io.virtnet.protocol.Codecs.SERVICE_STATUS, rejections, got::add)
        .await(10, TimeUnit.SECONDS);

    session.publish(p + "/phy/linux0/status", Buffer.buffer("{\"state\":\"maybe\"}"), false).await(10, TimeUnit.SECONDS);
    session.publish(p + "/phy/linux0/status", Buffer.buffer("{\"state\":\"online\",\"ts\":\"2026-12-04T20:00:00Z\"}"),
        false).await(10, TimeUnit.SECONDS);

    // same topic, same session: the bad one was delivered (and refused) before the good one
    await().atMost(Duration.ofSeconds(5)).until(() -> got.size() == 1);
    assertThat(got.get(0).value().online()).isTrue();
    assertThat(got.get(0).topic()).isEqualTo(p + "/phy/linux0/status");
    assertThat(rejections.total()).isEqualTo(1);
    session.close(1000).await(10, TimeUnit.SECONDS);
  }
}
