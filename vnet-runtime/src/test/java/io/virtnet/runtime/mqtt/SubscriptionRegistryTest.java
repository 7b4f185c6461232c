package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Subscriptions without a broker: fan-out, retained de-duplication and SUBACK matching. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 10, timeUnit = TimeUnit.SECONDS)
class SubscriptionRegistryTest {
  private static InboundMessage msg(String topic, String payload, boolean retained) {
    return new InboundMessage(topic, Buffer.buffer(payload), retained);
  }

  /** Runs {@code action} on {@code ctx} and waits for it: subscribers of that context are called inline. */
  private static void on(Context ctx, Runnable action) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      action.run();
      done.complete(null);
    });
    done.get(5, TimeUnit.SECONDS);
  }

  /** A subscriber on {@code home}: dispatched to on home, it is called inline. */
  private static SubscriptionRegistry.Subscriber recorder(Context home, List<String> got) {
    return new SubscriptionRegistry.Subscriber(m -> got.add(m.topic() + "=" + m.payload() + (m.retained() ? "(r)" : "")), home);
  }

  @Test
  void eachSubscriberIsCalledOnItsOwnContext(Vertx vertx, VertxTestContext test) {
    Context home = vertx.getOrCreateContext();
    Context other = vertx.getOrCreateContext();
    SubscriptionRegistry registry = new SubscriptionRegistry();
    var checks = test.checkpoint(2);
    registry.add("a/b", new SubscriptionRegistry.Subscriber(m -> test.verify(() -> {
      assertThat(Vertx.currentContext()).isSameAs(home);
      checks.flag();
    }), home));
    registry.add("a/+", new SubscriptionRegistry.Subscriber(m -> test.verify(() -> {
      assertThat(Vertx.currentContext()).isSameAs(other);
      checks.flag();
    }), other));

    home.runOnContext(v -> registry.dispatch(msg("a/b", "x", false)));
  }

  @Test
  void exactAndWildcardFiltersBothReceiveAMatchingTopic(Vertx vertx) throws Exception {
    Context home = vertx.getOrCreateContext();
    SubscriptionRegistry registry = new SubscriptionRegistry();
    List<String> exact = new ArrayList<>();
    List<String> wild = new ArrayList<>();
    registry.add("a/b", recorder(home, exact));
    registry.add("a/+", recorder(home, wild));

    on(home, () -> registry.dispatch(msg("a/b", "1", false)));
    on(home, () -> registry.dispatch(msg("a/c", "2", false)));

    assertThat(exact).containsExactly("a/b=1");
    assertThat(wild).containsExactly("a/b=1", "a/c=2");
  }

  @Test
  void retainedMessagesReSentForANewcomer_reachOnlyTheNewcomer_untilTheNextConnection(Vertx vertx) throws Exception {
    Context home = vertx.getOrCreateContext();
    SubscriptionRegistry registry = new SubscriptionRegistry();
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    registry.add("s", recorder(home, first));
    on(home, () -> registry.dispatch(msg("s", "v", true)));
    assertThat(registry.add("s", recorder(home, second))).as("the filter was held already").isFalse();

    on(home, () -> registry.dispatch(msg("s", "v", true))); // re-sent by the broker for the newcomer's SUBSCRIBE
    on(home, () -> registry.dispatch(msg("s", "w", false))); // a live change reaches both
    registry.newConnection(new Object());
    on(home, () -> registry.dispatch(msg("s", "w", true))); // a new connection: every subscriber resyncs

    assertThat(first).containsExactly("s=v(r)", "s=w", "s=w(r)");
    assertThat(second).containsExactly("s=v(r)", "s=w", "s=w(r)");
  }

  @Test
  void aThrowingHandlerDoesNotKeepTheMessageFromTheOthers(Vertx vertx) throws Exception {
    Context home = vertx.getOrCreateContext();
    SubscriptionRegistry registry = new SubscriptionRegistry();
    List<String> got = new ArrayList<>();
    registry.add("s", new SubscriptionRegistry.Subscriber(m -> {
      throw new IllegalStateException("handler bug");
    }, home));
    registry.add("s", recorder(home, got));

    on(home, () -> registry.dispatch(msg("s", "v", false)));

    assertThat(got).containsExactly("s=v");
  }

  @Test
  void removingTheLastSubscriberReleasesTheFilter(Vertx vertx) {
    Context home = vertx.getOrCreateContext();
    SubscriptionRegistry registry = new SubscriptionRegistry();
    SubscriptionRegistry.Subscriber a = recorder(home, new ArrayList<>());
    SubscriptionRegistry.Subscriber b = recorder(home, new ArrayList<>());
    assertThat(registry.add("s/+", a)).isTrue();
    registry.add("s/+", b);

    assertThat(registry.remove("s/+", a)).isFalse();
    assertThat(registry.remove("s/+", a)).as("already removed").isFalse();
    assertThat(registry.remove("s/+", b)).isTrue();
    assertThat(registry.subscribeBatches(100)).isEmpty();
  }

  @Test
  void filtersAreResubscribedInBatches(Vertx vertx) {
    SubscriptionRegistry registry = new SubscriptionRegistry();
    for (int i = 0; i < 250; i++) {
      registry.add("f/" + i, new SubscriptionRegistry.Subscriber(m -> { }, vertx.getOrCreateContext()));
    }
    assertThat(registry.subscribeBatches(100)).extracting(java.util.Map::size).containsExactly(100, 100, 50);
  }

  @Test
  void anEarlySubAck_completesTheSubscriptionOnceItsPacketIdIsKnown(Vertx vertx) {
    SubscriptionRegistry registry = new SubscriptionRegistry();
    Object conn = new Object();
    registry.newConnection(conn);
    Promise<Void> p = Promise.promise();
    SubscriptionRegistry.PendingSubscribe s = registry.subscribing(conn, List.of(p));

    registry.subAcked(conn, 3);
    assertThat(p.future().isComplete()).isFalse();
    registry.subscribeSent(s, Future.succeededFuture(3));

    assertThat(p.future().succeeded()).isTrue();
  }

  @Test
  void aSubAckOrIdFromAnEarlierConnection_completesNothing_andItsSubscribersWaitForTheNext(Vertx vertx) {
    SubscriptionRegistry registry = new SubscriptionRegistry();
    Object first = new Object();
    registry.newConnection(first);
    Promise<Void> known = Promise.promise();
    Promise<Void> unknown = Promise.promise();
    registry.subscribeSent(registry.subscribing(first, List.of(known)), Future.succeededFuture(4));
    SubscriptionRegistry.PendingSubscribe late = registry.subscribing(first, List.of(unknown));
    registry.connectionLost();
    Object second = new Object();
    registry.newConnection(second);

    registry.subAcked(first, 4);
    registry.subscribeSent(late, Future.succeededFuture(5));
    registry.subAcked(first, 5);

    assertThat(known.future().isComplete()).isFalse();
    assertThat(unknown.future().isComplete()).isFalse();
    assertThat(registry.takeAwaitingConnection()).containsExactlyInAnyOrder(known, unknown);
  }

  @Test
  void closingFailsWhoeverWaitsForASubAck(Vertx vertx) {
    SubscriptionRegistry registry = new SubscriptionRegistry();
    Object conn = new Object();
    registry.newConnection(conn);
    Promise<Void> sent = Promise.promise();
    Promise<Void> waiting = Promise.promise();
    registry.subscribing(conn, List.of(sent));
    registry.awaitConnection(waiting);

    registry.failWaiters("MQTT session closed");

    assertThat(sent.future().failed()).isTrue();
    assertThat(waiting.future().failed()).isTrue();
  }
}
