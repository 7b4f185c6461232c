package io.virtnet.runtime.mqtt;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The QoS 1 publishes of one session: at most {@code maxInflight} handed to the connection and not yet
 * acknowledged, the rest queued in order. The vertx-mqtt client fails a publish above its own
 * {@code maxInflightQueue}; the session sets that above this window, and a refusal is retried after a
 * pause (never in the same turn), restarting a connection that acknowledged nothing for a while.
 *
 * <p>Unacknowledged live publishes go out again on the next connection (at least once), exactly once
 * more: a publish future or PUBACK of an earlier connection settles nothing. Retained publishes are
 * settled by the {@link RetainedStore}'s restore instead, and a stale retained value never follows a
 * newer one. Runs on the session's context only.
 */
final class OutboundWindow {
  private static final Logger LOG = LoggerFactory.getLogger(OutboundWindow.class);
  /** Pause before retrying after the client refused a publish. */
  static final long RETRY_DELAY_MS = 20;
  /** With publishes refused and no acknowledgement for this long, the connection is started afresh. */
  static final long STUCK_NANOS = 5_000_000_000L;

  /** One connection as the window sees it. */
  interface Link {
    /** Hands a QoS 1 publish to the client; the future carries its packet id. */
    Future<Integer> publish(String topic, Buffer payload, boolean retain);

    /** Drops the connection so that a fresh one is made. */
    void restart();
  }

  private static final class Outbound {
    final String topic;
    final Buffer payload;
    final RetainedStore.Value retained; // null for a live publish
    final Promise<Void> done = Promise.promise();
    Link sentOn; // the connection it was handed to; null while queued

    Outbound(String topic, Buffer payload, RetainedStore.Value retained) {
      this.topic = topic;
      this.payload = payload;
      this.retained = retained;
    }
  }

  private final String name;
  private final int maxInflight;
  private final int maxOfflineQueue;
  private final RetainedStore store;
  private final SessionTimers timers;
  private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
  /** Handed to the current connection and not acknowledged, in the order sent. */
  private final LinkedHashSet<Outbound> unacked = new LinkedHashSet<>();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private AckMatcher<Outbound> acks = new AckMatcher<>();
  private Link link;
  private boolean closed;
  private boolean retryPending;
  private long lastAckNanos;
  private long refusedPublishes;
  private long droppedWhileOffline;

  OutboundWindow(String name, int maxInflight, int maxOfflineQueue, RetainedStore store, SessionTimers timers) {
    if (maxInflight < 1 || maxOfflineQueue < 1) {
      throw new IllegalArgumentException("maxInflight and maxOfflineQueue must be positive");
    }
    this.name = name;
    this.maxInflight = maxInflight;
    this.maxOfflineQueue = maxOfflineQueue;
    this.store = store;
    this.timers = timers;
    this.lastAckNanos = timers.nanoTime();
  }

  /** Queues a live publish; while disconnected, the oldest queued one is dropped past the bound. */
  Future<Void> publishLive(String topic, Buffer payload) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("MQTT session closed"));
    }
    if (link == null && queue.size() >= maxOfflineQueue) {
      Outbound dropped = queue.pollFirst();
      droppedWhileOffline++;
      dropped.done.tryFail(new IllegalStateException("dropped: broker unreachable too long"));
    }
    return enqueue(new Outbound(topic, payload, null));
  }

  /** Queues a retained value (already in the store); while disconnected it completes at once, as the restore sends it. */
  Future<Void> publishRetained(RetainedStore.Value value) {
    if (closed) {
      return Future.failedFuture(new IllegalStateException("MQTT session closed"));
    }
    if (link == null) {
      return Future.succeededFuture();
    }
    return enqueue(new Outbound(value.topic(), value.payload(), value));
  }

  private Future<Void> enqueue(Outbound o) {
    queue.add(o);
    drain();
    return o.done.future();
  }

  /** A new connection: the restore goes first (replacing queued retained values), then the queue. */
  void connected(Link newLink, List<RetainedStore.Value> restore) {
    link = newLink;
    acks = new AckMatcher<>();
    lastAckNanos = timers.nanoTime();
    List<Outbound> stillQueued = new ArrayList<>(queue.size());
    for (Outbound o : queue) {
      if (o.retained == null) {
        stillQueued.add(o);
      } else {
        o.done.tryComplete(); // the restore carries its topic's latest value
      }
    }
    queue.clear();
    for (RetainedStore.Value v : restore) {
      queue.add(new Outbound(v.topic(), v.payload(), v));
    }
    queue.addAll(stillQueued);
    drain();
  }

  /** The connection is gone: its unacknowledged live publishes are queued again, first, in order. */
  void disconnected(Link oldLink) {
    if (oldLink != link) {
      return;
    }
    link = null;
    List<Outbound> resend = new ArrayList<>();
    for (Outbound o : unacked) {
      o.sentOn = null;
      if (o.retained == null) {
        resend.add(o);
      } else {
        o.done.tryComplete(); // the restore sends its topic's latest value
      }
    }
    unacked.clear();
    acks = new AckMatcher<>();
    for (int i = resend.size() - 1; i >= 0; i--) {
      queue.addFirst(resend.get(i));
    }
  }

  /** A PUBACK on {@code from}; one of an earlier connection is ignored (its packet ids mean nothing now). */
  void acked(Link from, int packetId) {
    if (from != link) {
      return;
    }
    lastAckNanos = timers.nanoTime();
    Outbound o = acks.acked(packetId);
    if (o == null) {
      LOG.debug("MQTT {}: PUBACK {} before its packet id was known, or unknown", name, packetId);
      return;
    }
    settle(o);
    drain();
  }

  private void drain() {
    while (link != null && !retryPending && !queue.isEmpty() && unacked.size() < maxInflight) {
      Outbound o = queue.pollFirst();
      if (o.retained != null && !store.claimSend(o.retained)) {
        o.done.tryComplete(); // a newer value of the topic went out already: this one would overwrite it
        continue;
      }
      Link l = link;
      o.sentOn = l;
      unacked.add(o); // the slot is taken before the packet id is known: the window is never exceeded
      acks.sending();
      Future<Integer> sent;
      try {
        sent = l.publish(o.topic, o.payload, o.retained != null);
      } catch (RuntimeException e) {
        sent = Future.failedFuture(e);
      }
      sent.onComplete(ar -> published(l, o, ar));
    }
    checkIdle();
  }

  private void published(Link l, Outbound o, AsyncResult<Integer> ar) {
    if (l != link || o.sentOn != l) {
      return; // the connection changed: disconnected() queued it again or settled it already
    }
    if (ar.succeeded()) {
      if (acks.idKnown(ar.result(), o)) {
        settle(o);
        drain();
      }
      return;
    }
    acks.sendFailed();
    unacked.remove(o);
    o.sentOn = null;
    queue.addFirst(o);
    refused(l, ar.cause());
  }

  private void settle(Outbound o) {
    unacked.remove(o);
    o.sentOn = null;
    if (o.retained != null) {
      store.acknowledged(o.retained);
    }
    o.done.tryComplete();
  }

  /**
   * The client refused a publish (its window full, or the connection closing). Retry after a pause; if
   * nothing was acknowledged for a while, start a fresh connection rather than spin.
   */
  private void refused(Link l, Throwable cause) {
    refusedPublishes++;
    if (refusedPublishes == 1 || refusedPublishes % 1000 == 0) {
      LOG.warn("MQTT {}: the client refused a publish ({}; {} so far, {} in flight here); retrying shortly",
          name, cause.getMessage(), refusedPublishes, unacked.size());
    }
    if (retryPending) {
      return;
    }
    retryPending = true;
    if (timers.nanoTime() - lastAckNanos > STUCK_NANOS) {
      LOG.warn("MQTT {}: no acknowledgement for {} s with publishes waiting; reconnecting", name, STUCK_NANOS / 1_000_000_000L);
      l.restart();
      lastAckNanos = timers.nanoTime(); // once per stuck period, should the restart take a while
    }
    timers.schedule(RETRY_DELAY_MS, () -> {
      retryPending = false;
      drain();
    });
  }

  /** Completes when nothing is queued or unacknowledged (at once if so now). */
  Future<Void> idle() {
    if (queue.isEmpty() && unacked.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> p = Promise.promise();
    idleWaiters.add(p);
    return p.future();
  }

  private void checkIdle() {
    if (!idleWaiters.isEmpty() && queue.isEmpty() && unacked.isEmpty()) {
      List<Promise<Void>> waiting = new ArrayList<>(idleWaiters);
      idleWaiters.clear();
      waiting.forEach(Promise::tryComplete);
    }
  }

  /** Fails everything queued or unacknowledged, and every later publish. Safe to call twice. */
  void close(String reason) {
    closed = true;
    link = null;
    List<Outbound> all = new ArrayList<>(unacked);
    all.addAll(queue);
    unacked.clear();
    queue.clear();
    acks = new AckMatcher<>();
    for (Outbound o : all) {
      o.sentOn = null;
      o.done.tryFail(new IllegalStateException(reason));
    }
    checkIdle();
  }

  boolean isClosed() {
    return closed;
  }

  int inFlight() {
    return unacked.size();
  }

  int queued() {
    return queue.size();
  }

  long droppedWhileOffline() {
    return droppedWhileOffline;
  }

  long refusedPublishes() {
    return refusedPublishes;
  }
}
