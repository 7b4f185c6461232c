package io.virtnet.runtime.mqtt;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The QoS 1 window without a broker: a fake connection, a fake clock, acknowledgements in any order. */
class OutboundWindowTest {
  private final FakeTimers timers = new FakeTimers();
  private final RetainedStore store = new RetainedStore();

  private OutboundWindow window(int maxInflight, int maxOfflineQueue) {
    return new OutboundWindow("test", maxInflight, maxOfflineQueue, store, timers);
  }

  private static Buffer b(String s) {
    return Buffer.buffer(s);
  }

  private Future<Void> retained(OutboundWindow w, String topic, String value) {
    return w.publishRetained(store.remember(topic, b(value)));
  }

  @Test
  void neverHandsMoreThanMaxInflightToTheClient_andSendsTheRestAsAcksCome() {
    OutboundWindow w = window(3, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      all.add(w.publishLive("t", b("m" + i)));
    }
    assertThat(link.sent).hasSize(3);
    assertThat(w.queued()).isEqualTo(7);

    for (int id = 1; id <= 10; id++) {
      link.sent.get(id - 1).packetId.complete(id);
      w.acked(link, id);
      assertThat(w.inFlight()).isLessThanOrEqualTo(3);
    }
    assertThat(link.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9");
    assertThat(all).allMatch(Future::succeeded);
    assertThat(w.idle().succeeded()).isTrue();
  }

  @Test
  void anEarlyPubAck_completesThePublishOnceItsPacketIdIsKnown() {
    OutboundWindow w = window(10, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    Future<Void> a = w.publishLive("t", b("a"));

    w.acked(link, 7); // the PUBACK is read before the write's future reported packet id 7
    assertThat(a.isComplete()).isFalse();
    link.sent.get(0).packetId.complete(7);

    assertThat(a.succeeded()).isTrue();
    assertThat(w.inFlight()).isZero();
  }

  @Test
  void aStrayPubAck_withNoPacketIdOutstanding_matchesNoLaterPublish() {
    OutboundWindow w = window(10, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    w.acked(link, 2); // nothing awaits an id: not remembered as early
    Future<Void> a = w.publishLive("t", b("a"));
    link.sent.get(0).packetId.complete(2);

    assertThat(a.isComplete()).as("completed by an acknowledgement that came before it was sent").isFalse();
    w.acked(link, 2);
    assertThat(a.succeeded()).isTrue();
  }

  @Test
  void aPubAckFromAnEarlierConnection_completesNothingAndResendsNothing() {
    OutboundWindow w = window(10, 100);
    FakeLink first = new FakeLink();
    w.connected(first, List.of());
    Future<Void> a = w.publishLive("t", b("a"));
    first.sent.get(0).packetId.complete(5);
    w.disconnected(first);
    FakeLink second = new FakeLink();
    w.connected(second, List.of());
    assertThat(second.payloads()).containsExactly("a");
    second.sent.get(0).packetId.complete(5); // the new connection happens to reuse packet id 5

    w.acked(first, 5); // the old connection's PUBACK, read late

    assertThat(a.isComplete()).as("completed by the old connection's PUBACK").isFalse();
    assertThat(second.sent).hasSize(1);
    w.acked(second, 5);
    assertThat(a.succeeded()).isTrue();
  }

  @Test
  void aPublishWhoseFutureCompletesAfterTheConnectionChanged_isNotSentTwice() {
    OutboundWindow w = window(10, 100);
    FakeLink first = new FakeLink();
    w.connected(first, List.of());
    Future<Void> a = w.publishLive("t", b("a"));
    Future<Void> c = w.publishLive("t", b("c"));
    w.disconnected(first);
    FakeLink second = new FakeLink();
    w.connected(second, List.of());
    assertThat(second.payloads()).containsExactly("a", "c");

    first.sent.get(0).packetId.fail("connection closed"); // the old write fails late
    first.sent.get(1).packetId.complete(9); // or reports its id late
    timers.advance(1000);

    assertThat(second.payloads()).as("sent on the new connection").containsExactly("a", "c");
    second.sent.get(0).packetId.complete(1);
    second.sent.get(1).packetId.complete(2);
    w.acked(second, 1);
    w.acked(second, 2);
    assertThat(a.succeeded()).isTrue();
    assertThat(c.succeeded()).isTrue();
    assertThat(w.queued()).isZero();
    assertThat(second.sent).hasSize(2);
  }

  @Test
  void unacknowledgedLivePublishesGoOutFirstOnTheNextConnection_retainedOnesThroughTheRestore() {
    OutboundWindow w = window(10, 100);
    FakeLink first = new FakeLink();
    w.connected(first, List.of());
    Future<Void> a = w.publishLive("t", b("a"));
    Future<Void> state = retained(w, "s", "v");
    Future<Void> c = w.publishLive("t", b("c"));
    w.disconnected(first);
    assertThat(state.succeeded()).as("left to the restore").isTrue();
    assertThat(a.isComplete()).isFalse();
    Future<Void> d = w.publishLive("t", b("d"));

    FakeLink second = new FakeLink();
    w.connected(second, store.toRestore());

    assertThat(second.payloads()).containsExactly("v", "a", "c", "d");
    assertThat(List.of(a, c, d)).noneMatch(Future::isComplete);
  }

  @Test
  void whileOffline_theQueueDropsItsOldestPastTheBound_andCountsThem() {
    OutboundWindow w = window(10, 3);
    List<Future<Void>> all = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      all.add(w.publishLive("t", b("m" + i)));
    }

    assertThat(all.get(0).failed()).isTrue();
    assertThat(all.get(0).cause()).hasMessageContaining("dropped");
    assertThat(all.get(1).failed()).isTrue();
    assertThat(w.droppedWhileOffline()).isEqualTo(2);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    assertThat(link.payloads()).containsExactly("m2", "m3", "m4");
  }

  @Test
  void closeWithMessagesInFlight_failsThemAndTheQueue_andLaterAcksChangeNothing() {
    OutboundWindow w = window(2, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    List<Future<Void>> all = List.of(w.publishLive("t", b("a")), retained(w, "s", "v"),
        w.publishLive("t", b("c")), w.publishLive("t", b("d")));
    link.sent.get(0).packetId.complete(1); // a: id known; v: id not yet; c, d: queued
    Future<Void> idle = w.idle();

    w.close("MQTT session closed");

    assertThat(all).allMatch(Future::failed);
    assertThat(all.get(0).cause()).hasMessage("MQTT session closed");
    assertThat(idle.succeeded()).isTrue();
    link.sent.get(1).packetId.complete(2);
    w.acked(link, 1);
    w.acked(link, 2);
    assertThat(link.sent).hasSize(2);
    assertThat(w.publishLive("t", b("e")).failed()).isTrue();
    assertThat(w.publishRetained(store.remember("s", b("w"))).failed()).isTrue();
  }

  @Test
  void aRefusedPublishIsRetriedAfterAPause_andAConnectionStuckForFiveSecondsIsRestarted() {
    OutboundWindow w = window(10, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    link.refuseAll = true;
    Future<Void> a = w.publishLive("t", b("a"));
    assertThat(link.attempts).as("no retry in the same turn").isEqualTo(1);

    timers.advance(OutboundWindow.RETRY_DELAY_MS - 1);
    assertThat(link.attempts).isEqualTo(1);
    timers.advance(1);
    assertThat(link.attempts).isEqualTo(2);
    assertThat(link.restarts).isZero();

    timers.advance(OutboundWindow.STUCK_NANOS / 1_000_000L + 100);
    assertThat(link.restarts).as("restarted once nothing was acknowledged for 5 s").isPositive();
    link.refuseAll = false;
    timers.advance(OutboundWindow.RETRY_DELAY_MS);
    assertThat(link.payloads()).containsExactly("a");
    assertThat(a.isComplete()).isFalse();
    assertThat(w.refusedPublishes()).isGreaterThan(1);
  }

  @Test
  void aRetainedValueRefusedAfterANewerOneWentOut_isNotSentAgain() {
    OutboundWindow w = window(10, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    Future<Void> v1 = retained(w, "s", "v1");
    Future<Void> v2 = retained(w, "s", "v2");
    assertThat(link.payloads()).containsExactly("v1", "v2");

    link.sent.get(0).packetId.fail("refused"); // v1 never went out; v2 did
    timers.advance(OutboundWindow.RETRY_DELAY_MS);

    assertThat(link.payloads()).as("v1 would overwrite v2").containsExactly("v1", "v2");
    assertThat(v1.succeeded()).as("superseded").isTrue();
    assertThat(v2.isComplete()).isFalse();
    assertThat(store.toRestore()).extracting(v -> v.payload().toString()).containsExactly("v2");
  }

  @Test
  void afterAReconnect_aStaleRetainedValueNeverLandsAfterANewerOne() {
    OutboundWindow w = window(1, 100);
    FakeLink first = new FakeLink();
    w.connected(first, List.of());
    retained(w, "s", "v1");
    w.disconnected(first); // v1 unacknowledged: left to the restore
    retained(w, "s", "v2"); // offline: only remembered
    FakeLink second = new FakeLink();
    w.connected(second, store.toRestore());
    Future<Void> v3 = retained(w, "s", "v3"); // queued behind the restore (window of one)

    first.sent.get(0).packetId.fail("connection closed"); // v1's old write fails late
    second.sent.get(0).packetId.complete(1);
    w.acked(second, 1);
    second.sent.get(1).packetId.complete(2);
    w.acked(second, 2);
    timers.advance(1000);

    assertThat(second.payloads()).containsExactly("v2", "v3");
    assertThat(v3.succeeded()).isTrue();
  }

  @Test
  void anAcknowledgedClearIsForgotten_soALaterReconnectDoesNotRepeatIt() {
    OutboundWindow w = window(10, 100);
    FakeLink link = new FakeLink();
    w.connected(link, List.of());
    retained(w, "s", "v");
    retained(w, "s", "");
    link.sent.get(1).packetId.complete(1);
    w.acked(link, 1);

    assertThat(store.size()).isZero();
  }
}
