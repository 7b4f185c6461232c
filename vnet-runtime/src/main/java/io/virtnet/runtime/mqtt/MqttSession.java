package io.virtnet.runtime.mqtt;

import io.netty.handler.codec.mqtt.MqttQoS;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.mqtt.MqttClient;
import io.vertx.mqtt.MqttClientOptions;
import io.vertx.mqtt.messages.MqttConnAckMessage;
import io.vertx.mqtt.messages.MqttPublishMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's MQTT connection (vertx-mqtt client), made robust: it reconnects with capped
 * exponential backoff and jitter, re-subscribes every filter, republishes every retained message this
 * service owns (a broker may come back with an empty store), queues QoS 1 publishes above the
 * client's in-flight window instead of failing them, and dispatches each message to its subscribers
 * on their own Vert.x contexts. All state lives on the session's context; methods may be called
 * from any context.
 */
public final class MqttSession {
  private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);
  /** Non-retained publishes kept while the broker is away; older ones are dropped past this. */
  static final int MAX_OFFLINE_QUEUE = 100_000;
  private static final int SUBSCRIBE_BATCH = 100;
  /** With publishes waiting and no acknowledgement for this long, the connection is started afresh. */
  private static final long STUCK_WINDOW_NANOS = 5_000_000_000L;

  private final Vertx vertx;
  private final Context context;
  private final MqttSessionOptions options;
  private final Backoff backoff;

  private MqttClient client;
  private volatile boolean connected;
  private volatile boolean flushBatched;
  private boolean closed;
  private boolean everConnected;
  private long reconnects;
  private long droppedWhileOffline;
  private int failedAttempts;
  private final Promise<Void> firstConnect = Promise.promise();
  private Promise<Void> closePromise;

  private final Map<String, FilterEntry> filters = new LinkedHashMap<>();
  private final List<FilterEntry> wildcardFilters = new ArrayList<>();
  private final Map<Integer, List<Promise<Void>>> pendingSubAcks = new HashMap<>();
  private final Map<String, Buffer> retained = new LinkedHashMap<>();
  private final ArrayDeque<Outbound> queue = new ArrayDeque<>();
  private final Map<Integer, Outbound> inflight = new HashMap<>();
  /** PUBACKs that came before the publish future told us the packet id. */
  private final Set<Integer> earlyAcks = new HashSet<>();
  private final List<Promise<Void>> pendingOnConnect = new ArrayList<>();
  private boolean retryPending;
  private long refusedPublishes;
  private long lastAckNanos = System.nanoTime();
  private final List<Listener> reconnectListeners = new ArrayList<>();
  private final List<Listener> disconnectListeners = new ArrayList<>();

  /**
   * One handler on a filter. It remembers the topics it has had a message on (retained or live) since
   * it (or the session) last subscribed, so that when another subscriber of the same filter subscribes
   * again, the broker's re-sent retained messages reach only the newcomer (not every earlier subscriber:
   * with thousands of instances on one agent's status topic that would be quadratic; and a copy of a
   * value it already had live would look like a resync to it).
   */
  private static final class Subscriber {
    final Handler<InboundMessage> handler;
    final Context context;
    private Object topicsSeen; // topics seen: null, one (String), or a Set<String> for wildcard filters

    Subscriber(Handler<InboundMessage> handler, Context context) {
      this.handler = handler;
      this.context = context;
    }

    /** True the first time this subscriber sees a message on {@code topic}. */
    @SuppressWarnings("unchecked")
    boolean firstOn(String topic) {
      if (topicsSeen == null) {
        topicsSeen = topic;
        return true;
      }
      if (topicsSeen instanceof String one) {
        if (one.equals(topic)) {
          return false;
        }
        Set<String> set = new HashSet<>();
        set.add(one);
        set.add(topic);
        topicsSeen = set;
        return true;
      }
      return ((Set<String>) topicsSeen).add(topic);
    }

    void forgetTopicsSeen() {
      topicsSeen = null;
    }
  }

  private record Listener(Runnable action, Context context) {}

  private static final class FilterEntry {
    final String filter;
    // copy-on-write: dispatch iterates without copying, (un)subscribing is rare
    final List<Subscriber> subscribers = new java.util.concurrent.CopyOnWriteArrayList<>();

    FilterEntry(String filter) {
      this.filter = filter;
    }
  }

  private record Outbound(String topic, Buffer payload, boolean retain, Promise<Void> done) {}

  /** A handle to cancel one subscriber. */
  public interface Subscription {
    Future<Void> unsubscribe();
  }

  private MqttSession(Vertx vertx, MqttSessionOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.backoff = new Backoff(options.backoffMin(), options.backoffMax());
  }

  /** Creates a session bound to the calling context (or a new one); call {@link #start()} to connect. */
  public static MqttSession create(Vertx vertx, MqttSessionOptions options) {
    return new MqttSession(vertx, options);
  }

  public MqttSessionOptions options() {
    return options;
  }

  /** Starts connecting; completes on the first successful connection, retrying until then. */
  public Future<Void> start() {
    onContext(this::connectAttempt);
    return firstConnect.future();
  }

  public boolean isConnected() {
    return connected;
  }

  /** True when the current connection's flushes are batched (see {@link FlushBatching}). */
  public boolean flushBatched() {
    return flushBatched;
  }

  /** Completed reconnections after the first connection. */
  public long reconnectCount() {
    return reconnects;
  }

  /** Non-retained publishes dropped because the broker was away too long. */
  public long droppedWhileOffline() {
    return droppedWhileOffline;
  }

  /**
   * Runs {@code action} on the caller's context after each reconnection (subscriptions and retained
   * state restored). Returns a handle that removes the listener (call it when the caller stops).
   */
  public Runnable onReconnect(Runnable action) {
    return addListener(reconnectListeners, action);
  }

  /** Runs {@code action} on the caller's context whenever the connection is lost; returns a remover. */
  public Runnable onDisconnect(Runnable action) {
    return addListener(disconnectListeners, action);
  }

  private Runnable addListener(List<Listener> list, Runnable action) {
    Listener l = new Listener(action, callerContext());
    onContext(() -> list.add(l));
    return () -> onContext(() -> list.remove(l));
  }

  /**
   * Subscribes {@code handler} (run on the caller's context) to {@code filter} at QoS 1. The future
   * completes when the broker acknowledged the subscription (while disconnected: after the next
   * connection). Every subscriber receives the filter's retained messages, even when another
   * subscriber already held the filter.
   */
  public Future<Subscription> subscribe(String filter, Handler<InboundMessage> handler) {
    Subscriber sub = new Subscriber(handler, callerContext());
    Promise<Void> acked = Promise.promise();
    onContext(() -> {
      if (closed) {
        acked.fail(new IllegalStateException("MQTT session closed"));
        return;
      }
      FilterEntry entry = filters.get(filter);
      if (entry == null) {
        entry = new FilterEntry(filter);
        filters.put(filter, entry);
        if (TopicFilter.isWildcard(filter)) {
          wildcardFilters.add(entry);
        }
      }
      entry.subscribers.add(sub);
      // A filter already held is subscribed again: the broker then re-sends its retained messages
      // (MQTT 3.1.1 section 3.8.4), which the new subscriber needs; the others see them once more,
      // which is harmless as retained messages carry state, not edges.
      if (connected) {
        sendSubscribe(Map.of(filter, 1), List.of(acked));
      } else {
        pendingOnConnect.add(acked); // completed by onConnected(), which re-subscribes every filter
      }
    });
    return acked.future().map(v -> () -> unsubscribe(filter, sub));
  }

  private Future<Void> unsubscribe(String filter, Subscriber sub) {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      FilterEntry entry = filters.get(filter);
      if (entry == null || !entry.subscribers.remove(sub)) {
        done.complete();
        return;
      }
      if (entry.subscribers.isEmpty()) {
        filters.remove(filter);
        wildcardFilters.remove(entry);
        if (connected) {
          client.unsubscribe(filter).onComplete(ar -> done.complete());
          return;
        }
      }
      done.complete();
    });
    return done.future();
  }

  /**
   * Publishes at QoS 1. A retained publish is also remembered and republished after every
   * reconnection (an empty payload clears the topic and is remembered as such). The future completes
   * when the broker acknowledged it; while disconnected, a retained publish completes at once.
   */
  public Future<Void> publish(String topic, Buffer payload, boolean retain) {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      if (closed && closePromise != null && closePromise.future().isComplete()) {
        done.fail(new IllegalStateException("MQTT session closed"));
        return;
      }
      if (retain) {
        retained.put(topic, payload);
        if (!connected) {
          done.complete();
          return;
        }
      } else if (!connected && queue.size() >= MAX_OFFLINE_QUEUE) {
        Outbound dropped = queue.pollFirst();
        droppedWhileOffline++;
        if (dropped != null) {
          dropped.done.fail(new IllegalStateException("dropped: broker unreachable too long"));
        }
      }
      queue.add(new Outbound(topic, payload, retain, done));
      drain();
    });
    return done.future();
  }

  /** Forgets a retained topic without publishing anything (e.g. after clearing it on a clean stop). */
  public void forgetRetained(String topic) {
    onContext(() -> retained.remove(topic));
  }

  /**
   * Waits (at most {@code maxWaitMs}) for queued and in-flight publishes, then disconnects cleanly so
   * that the will is not sent. Safe to call twice.
   */
  public Future<Void> close(long maxWaitMs) {
    Promise<Void> p = Promise.promise();
    onContext(() -> {
      if (closePromise != null) {
        closePromise.future().onComplete(p);
        return;
      }
      closePromise = Promise.promise();
      closePromise.future().onComplete(p);
      closed = true;
      if (!firstConnect.future().isComplete()) {
        firstConnect.tryFail("MQTT session closed before it connected");
      }
      long deadline = System.nanoTime() + maxWaitMs * 1_000_000L;
      awaitFlushThenDisconnect(deadline);
    });
    return p.future();
  }

  private void awaitFlushThenDisconnect(long deadlineNanos) {
    if (connected && (!queue.isEmpty() || !inflight.isEmpty()) && System.nanoTime() < deadlineNanos) {
      vertx.setTimer(10, t -> awaitFlushThenDisconnect(deadlineNanos));
      return;
    }
    MqttClient c = client;
    client = null;
    boolean wasConnected = connected;
    connected = false;
    for (Outbound o : queue) {
      o.done.tryFail("MQTT session closed");
    }
    queue.clear();
    if (c != null && wasConnected) {
      c.disconnect().onComplete(ar -> closePromise.tryComplete());
    } else {
      closePromise.tryComplete();
    }
  }

  // ---- connection handling (session context only) ----

  private void connectAttempt() {
    if (closed) {
      return;
    }
    MqttClient c = MqttClient.create(vertx, clientOptions());
    c.publishHandler(m -> onMessage(c, m));
    c.subscribeCompletionHandler(ack -> onSubAck(ack.messageId()));
    c.publishCompletionHandler(id -> onPubAck(c, id));
    c.publishCompletionUnknownPacketIdHandler(id -> LOG.debug("PUBACK for unknown packet {}", id));
    c.exceptionHandler(e -> LOG.debug("MQTT client {}: {}", options.clientId(), e.toString()));
    c.closeHandler(v -> onClosed(c));
    c.connect(options.port(), options.host()).onComplete(ar -> {
      if (closed) {
        if (ar.succeeded()) {
          c.disconnect();
        }
        return;
      }
      if (ar.succeeded() && ar.result().code() == io.netty.handler.codec.mqtt.MqttConnectReturnCode.CONNECTION_ACCEPTED) {
        onConnected(c, ar.result());
      } else {
        String why = ar.succeeded() ? "refused: " + ar.result().code() : String.valueOf(ar.cause().getMessage());
        failedAttempts++;
        long delay = backoff.nextDelayMs();
        if (failedAttempts == 1 || failedAttempts % 20 == 0) {
          LOG.warn("MQTT {} cannot connect to {} ({}); retrying in {} ms (attempt {})",
              options.clientId(), options.uri(), why, delay, failedAttempts);
        }
        vertx.setTimer(delay, t -> connectAttempt());
      }
    });
  }

  private MqttClientOptions clientOptions() {
    MqttClientOptions o = new MqttClientOptions()
        .setClientId(options.clientId())
        .setCleanSession(true)
        .setKeepAliveInterval(options.keepAliveSeconds())
        .setMaxInflightQueue(options.maxInflight() * 2) // headroom: we keep our own window below the client's
        .setMaxMessageSize(256 * 1024)
        .setAutoKeepAlive(true);
    o.setAutoAck(true);
    o.setConnectTimeout(5000);
    if (options.username() != null) {
      o.setUsername(options.username());
      o.setPassword(options.password());
    }
    if (options.tls()) {
      o.setSsl(true);
      o.setHostnameVerificationAlgorithm("");
      if (options.caFile() != null) {
        o.setTrustOptions(new PemTrustOptions().addCertPath(options.caFile()));
      }
    }
    MqttSessionOptions.Will will = options.will();
    if (will != null) {
      o.setWillFlag(true)
          .setWillTopic(will.topic())
          .setWillMessageBytes(will.payload())
          .setWillQoS(1)
          .setWillRetain(will.retain());
    }
    return o;
  }

  private void onConnected(MqttClient c, MqttConnAckMessage ack) {
    flushBatched = FlushBatching.install(c);
    boolean reconnect = everConnected;
    client = c;
    connected = true;
    everConnected = true;
    failedAttempts = 0;
    lastAckNanos = System.nanoTime();
    backoff.reset();
    if (reconnect) {
      reconnects++;
      LOG.info("MQTT {} reconnected to {}", options.clientId(), options.uri());
    } else {
      LOG.debug("MQTT {} connected to {}", options.clientId(), options.uri());
    }
    // re-subscribe in batches; the waiting subscribers complete with the last batch's SUBACK
    List<Promise<Void>> waiting = new ArrayList<>(pendingOnConnect);
    pendingOnConnect.clear();
    for (FilterEntry e : filters.values()) {
      e.subscribers.forEach(Subscriber::forgetTopicsSeen);
    }
    List<String> all = new ArrayList<>(filters.keySet());
    if (all.isEmpty()) {
      waiting.forEach(Promise::tryComplete);
    }
    for (int i = 0; i < all.size(); i += SUBSCRIBE_BATCH) {
      Map<String, Integer> batch = new LinkedHashMap<>();
      for (String f : all.subList(i, Math.min(all.size(), i + SUBSCRIBE_BATCH))) {
        batch.put(f, 1);
      }
      boolean last = i + SUBSCRIBE_BATCH >= all.size();
      sendSubscribe(batch, last ? waiting : List.of());
    }
    // retained state first (a restarted broker may have lost it), then whatever queued meanwhile
    List<Outbound> republish = new ArrayList<>();
    retained.forEach((topic, payload) -> republish.add(new Outbound(topic, payload, true, Promise.promise())));
    queue.removeIf(o -> o.retain && o.done.tryComplete());
    for (int i = republish.size() - 1; i >= 0; i--) {
      queue.addFirst(republish.get(i));
    }
    drain();
    if (reconnect) {
      notify(reconnectListeners);
    }
    firstConnect.tryComplete();
  }

  private void sendSubscribe(Map<String, Integer> batch, List<Promise<Void>> waiting) {
    client.subscribe(batch).onComplete(ar -> {
      if (ar.succeeded()) {
        pendingSubAcks.computeIfAbsent(ar.result(), k -> new ArrayList<>()).addAll(waiting);
      } else {
        // the connection is going away; complete on the next connection instead
        pendingOnConnect.addAll(waiting);
      }
    });
  }

  private void onSubAck(int packetId) {
    List<Promise<Void>> waiting = pendingSubAcks.remove(packetId);
    if (waiting != null) {
      waiting.forEach(Promise::tryComplete);
    }
  }

  private void onClosed(MqttClient c) {
    if (c != client) {
      return;
    }
    connected = false;
    client = null;
    // unacknowledged live publishes go out again (at least once); retained ones are republished anyway
    List<Outbound> resend = new ArrayList<>();
    for (Outbound o : inflight.values()) {
      if (o.retain) {
        o.done.tryComplete();
      } else {
        resend.add(o);
      }
    }
    inflight.clear();
    earlyAcks.clear();
    for (int i = resend.size() - 1; i >= 0; i--) {
      queue.addFirst(resend.get(i));
    }
    pendingSubAcks.values().forEach(pendingOnConnect::addAll);
    pendingSubAcks.clear();
    if (closed) {
      if (closePromise != null) {
        closePromise.tryComplete();
      }
      return;
    }
    LOG.warn("MQTT {} lost its connection to {}; reconnecting", options.clientId(), options.uri());
    notify(disconnectListeners);
    long delay = backoff.nextDelayMs();
    vertx.setTimer(delay, t -> connectAttempt());
  }

  private void drain() {
    while (connected && !retryPending && !queue.isEmpty() && inflight.size() < options.maxInflight()) {
      Outbound o = queue.pollFirst();
      MqttClient c = client;
      // reserve the slot before the packet id is known, so the window is never exceeded
      Integer placeholder = -ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
      inflight.put(placeholder, o);
      c.publish(o.topic, o.payload, MqttQoS.AT_LEAST_ONCE, false, o.retain).onComplete(ar -> {
        inflight.remove(placeholder);
        if (ar.succeeded()) {
          if (earlyAcks.remove(ar.result())) {
            acknowledged(o);
            drain();
          } else if (c == client) {
            inflight.put(ar.result(), o);
          } else {
            queue.addFirst(o);
          }
        } else {
          queue.addFirst(o);
          if (c == client && connected) {
            refused(c);
          }
        }
      });
    }
  }

  /**
   * The client refused a publish (its own in-flight window is full although ours is not). Never retry
   * in the same turn of the event loop (a refusal can be synchronous); wait a little, and if no
   * acknowledgement has come for a while, start a fresh connection rather than spin.
   */
  private void refused(MqttClient c) {
    refusedPublishes++;
    if (refusedPublishes == 1 || refusedPublishes % 1000 == 0) {
      LOG.warn("MQTT {}: the client refused a publish ({} so far, {} in flight here); retrying shortly",
          options.clientId(), refusedPublishes, inflight.size());
    }
    if (retryPending) {
      return;
    }
    retryPending = true;
    if (System.nanoTime() - lastAckNanos > STUCK_WINDOW_NANOS) {
      LOG.warn("MQTT {}: no acknowledgement for {} s with publishes waiting; reconnecting",
          options.clientId(), STUCK_WINDOW_NANOS / 1_000_000_000L);
      c.disconnect();
    }
    vertx.setTimer(20, t -> {
      retryPending = false;
      drain();
    });
  }

  private void onPubAck(MqttClient c, int packetId) {
    if (c != client) {
      return;
    }
    lastAckNanos = System.nanoTime();
    Outbound o = inflight.remove(packetId);
    if (o == null) {
      earlyAcks.add(packetId);
      return;
    }
    acknowledged(o);
    drain();
  }

  /**
   * A clear (empty retained payload) that the broker acknowledged need not be repeated after later
   * reconnects; forgetting it keeps a removed instance from wiping what another node publishes there.
   */
  private void acknowledged(Outbound o) {
    if (o.retain && o.payload.length() == 0 && retained.get(o.topic) == o.payload) {
      retained.remove(o.topic);
    }
    o.done.tryComplete();
  }

  private void onMessage(MqttClient c, MqttPublishMessage m) {
    if (c != client) {
      return;
    }
    InboundMessage msg = new InboundMessage(m.topicName(), m.payload(), m.isRetain());
    String topic = msg.topic();
    FilterEntry exact = filters.get(topic);
    if (exact != null && !TopicFilter.isWildcard(exact.filter)) {
      deliver(exact, msg);
    }
    for (int i = 0; i < wildcardFilters.size(); i++) {
      FilterEntry e = wildcardFilters.get(i);
      if (TopicFilter.matches(e.filter, topic)) {
        deliver(e, msg);
      }
    }
  }

  private void deliver(FilterEntry entry, InboundMessage msg) {
    for (Subscriber s : entry.subscribers) {
      if (!s.firstOn(msg.topic()) && msg.retained()) {
        continue; // re-sent because another subscriber of this filter subscribed: not news to this one
      }
      if (s.context == context) {
        safeHandle(s.handler, msg);
      } else {
        s.context.runOnContext(v -> safeHandle(s.handler, msg));
      }
    }
  }

  private static void safeHandle(Handler<InboundMessage> handler, InboundMessage msg) {
    try {
      handler.handle(msg);
    } catch (RuntimeException e) {
      // a handler must never take the connection down with it
      LOG.error("handler for {} failed", msg.topic(), e);
    }
  }

  private void notify(List<Listener> listeners) {
    for (Listener l : listeners) {
      l.context.runOnContext(v -> l.action.run());
    }
  }

  private Context callerContext() {
    Context ctx = Vertx.currentContext();
    return ctx != null ? ctx : context;
  }

  private void onContext(Runnable r) {
    if (Vertx.currentContext() == context) {
      r.run();
    } else {
      context.runOnContext(v -> r.run());
    }
  }

  /** For tests and diagnostics: the number of retained topics this session will restore. */
  public Future<Integer> retainedCount() {
    return onContextGet(retained::size);
  }

  private <T> Future<T> onContextGet(Supplier<T> s) {
    Promise<T> p = Promise.promise();
    onContext(() -> p.complete(s.get()));
    return p.future();
  }
}
