package io.virtnet.runtime.mqtt;

import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.mqtt.MqttClient;
import io.virtnet.protocol.Codec;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.metrics.Rejections;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service's MQTT connection (vertx-mqtt client), made robust: it reconnects with capped
 * exponential backoff and jitter ({@link ReconnectPolicy}), re-subscribes every filter and dispatches
 * each message to its subscribers on their own Vert.x contexts ({@link SubscriptionRegistry}),
 * republishes every retained message this service owns ({@link RetainedStore}: a broker may come back
 * with an empty store), and queues QoS 1 publishes above the client's in-flight window instead of
 * failing them ({@link OutboundWindow}). This class wires those parts to the client. All state lives on
 * the session's context; methods may be called from any context.
 */
public final class MqttSession {
  private static final Logger LOG = LoggerFactory.getLogger(MqttSession.class);
  /** Non-retained publishes kept while the broker is away; older ones are dropped past this. */
  static final int MAX_OFFLINE_QUEUE = 100_000;
  /** Filters per SUBSCRIBE / UNSUBSCRIBE: few large packets (HiveMQ CE copies a client's subscriptions per packet). */
  private static final int SUBSCRIBE_BATCH = 1_000;
  private static final String CLOSED = "MQTT session closed";

  private final Vertx vertx;
  private final Context context;
  private final MqttSessionOptions options;
  private final ReconnectPolicy reconnectPolicy;
  private final RetainedStore retained = new RetainedStore();
  private final OutboundWindow window;
  private final SubscriptionRegistry subscriptions;
  private final SubscriptionRequests requests;

  private ClientLink link;
  private volatile boolean connected;
  private volatile boolean flushBatched;
  private boolean closed;
  private final Promise<Void> firstConnect = Promise.promise();
  private Promise<Void> closePromise;
  private final SessionListeners reconnectListeners = new SessionListeners();
  private final SessionListeners disconnectListeners = new SessionListeners();

  /** A handle to cancel one subscriber. */
  public interface Subscription {
    Future<Void> unsubscribe();
  }

  private MqttSession(Vertx vertx, MqttSessionOptions options) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = options;
    this.reconnectPolicy = new ReconnectPolicy(new Backoff(options.backoffMin(), options.backoffMax()),
        "MQTT " + options.clientId() + " cannot connect to " + options.uri());
    this.window = new OutboundWindow(options.clientId(), options.maxInflight(), MAX_OFFLINE_QUEUE, retained,
        SessionTimers.of(vertx));
    this.subscriptions = new SubscriptionRegistry();
    this.requests = new SubscriptionRequests(subscriptions, context, SUBSCRIBE_BATCH, () -> connected ? link : null);
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
    return reconnectPolicy.reconnects();
  }

  /** Non-retained publishes dropped because the broker was away too long. */
  public long droppedWhileOffline() {
    return window.droppedWhileOffline();
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

  private Runnable addListener(SessionListeners listeners, Runnable action) {
    Context caller = callerContext();
    Object[] added = new Object[1];
    onContext(() -> added[0] = listeners.add(action, caller));
    return () -> onContext(() -> listeners.remove(added[0]));
  }

  /**
   * A typed subscription: {@code handler} receives only messages {@code codec} accepts, decoded once
   * per message; the rest are counted and logged by {@code rejections} (see {@link TypedSubscriber}).
   */
  public <T> Future<Subscription> subscribe(String filter, Codec<T> codec, Rejections rejections,
      Handler<Received<T>> handler) {
    return subscribe(filter, TypedSubscriber.of(codec, rejections, handler));
  }

  /**
   * Subscribes {@code handler} (run on the caller's context) to {@code filter} at QoS 1. The future
   * completes when the broker acknowledged the subscription (while disconnected: after the next
   * connection). Every subscriber receives the filter's retained messages, even when another
   * subscriber already held the filter.
   */
  public Future<Subscription> subscribe(String filter, Handler<InboundMessage> handler) {
    SubscriptionRegistry.Subscriber sub = new SubscriptionRegistry.Subscriber(handler, callerContext());
    Promise<Void> acked = Promise.promise();
    onContext(() -> {
      if (closed) {
        acked.fail(new IllegalStateException(CLOSED));
        return;
      }
      subscriptions.add(filter, sub);
      // A filter already held is subscribed again: the broker then re-sends its retained messages
      // (MQTT 3.1.1 section 3.8.4), which the new subscriber needs; the registry keeps them from the others.
      if (connected) {
        requests.subscribe(filter, acked);
      } else {
        subscriptions.awaitConnection(acked); // onConnected() re-subscribes every filter
      }
    });
    return acked.future().map(v -> () -> unsubscribe(filter, sub));
  }

  private Future<Void> unsubscribe(String filter, SubscriptionRegistry.Subscriber sub) {
    Promise<Void> done = Promise.promise();
    onContext(() -> {
      if (subscriptions.remove(filter, sub) && connected) {
        requests.unsubscribe(filter, done);
      } else {
        done.complete();
      }
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
      if (window.isClosed()) {
        done.fail(new IllegalStateException(CLOSED));
      } else if (retain) {
        window.publishRetained(retained.remember(topic, payload)).onComplete(done);
      } else {
        window.publishLive(topic, payload).onComplete(done);
      }
    });
    return done.future();
  }

  /** Forgets a retained topic without publishing anything (e.g. after clearing it on a clean stop). */
  public void forgetRetained(String topic) {
    onContext(() -> retained.forget(topic));
  }

  /**
   * Waits (at most {@code maxWaitMs}) for queued and in-flight publishes, then disconnects cleanly so
   * that the will is not sent; publishes still waiting then fail. Safe to call twice.
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
      firstConnect.tryFail(CLOSED + " before it connected");
      if (!connected) {
        finishClose();
        return;
      }
      long timer = vertx.setTimer(Math.max(1, maxWaitMs), t -> finishClose());
      window.idle().onComplete(ar -> {
        vertx.cancelTimer(timer);
        finishClose();
      });
    });
    return p.future();
  }

  private void finishClose() {
    if (window.isClosed()) {
      return;
    }
    window.close(CLOSED);
    requests.drain().forEach(p -> p.tryFail(CLOSED));
    subscriptions.failWaiters(CLOSED);
    ClientLink l = link;
    link = null; // its close is ours: onClosed() ignores it
    boolean wasConnected = connected;
    connected = false;
    if (l != null && wasConnected) {
      l.client.disconnect().onComplete(ar -> closePromise.tryComplete());
    } else {
      closePromise.tryComplete();
    }
  }

  // ---- connection handling (session context only) ----

  private void connectAttempt() {
    if (closed) {
      return;
    }
    MqttClient c = MqttClient.create(vertx, ClientSettings.of(options));
    ClientLink l = new ClientLink(c);
    c.publishHandler(m -> {
      if (l == link) {
        subscriptions.dispatch(new InboundMessage(m.topicName(), m.payload(), m.isRetain()));
      }
    });
    c.subscribeCompletionHandler(ack -> subscriptions.subAcked(l, ack.messageId()));
    c.publishCompletionHandler(id -> window.acked(l, id));
    c.publishCompletionUnknownPacketIdHandler(id -> LOG.debug("PUBACK for unknown packet {}", id));
    c.exceptionHandler(e -> LOG.debug("MQTT client {}: {}", options.clientId(), e.toString()));
    c.closeHandler(v -> onClosed(l));
    c.connect(options.port(), options.host()).onComplete(ar -> {
      if (closed) {
        if (ar.succeeded()) {
          c.disconnect();
        }
        return;
      }
      if (ar.succeeded() && ar.result().code() == MqttConnectReturnCode.CONNECTION_ACCEPTED) {
        onConnected(l);
      } else {
        String why = ar.succeeded() ? "refused: " + ar.result().code() : ClientSettings.describeFailure(ar.cause(), options);
        vertx.setTimer(reconnectPolicy.attemptFailed(why), t -> connectAttempt());
      }
    });
  }

  private void onConnected(ClientLink l) {
    flushBatched = FlushBatching.install(l.client);
    boolean reconnect = reconnectPolicy.connected();
    link = l;
    connected = true;
    if (reconnect) {
      LOG.info("MQTT {} reconnected to {}", options.clientId(), options.uri());
    } else {
      LOG.debug("MQTT {} connected to {}", options.clientId(), options.uri());
    }
    // re-subscribe in batches; the waiting subscribers complete with the last batch's SUBACK
    subscriptions.newConnection(l);
    List<Promise<Void>> waiting = subscriptions.takeAwaitingConnection();
    List<Map<String, Integer>> batches = subscriptions.subscribeBatches(SUBSCRIBE_BATCH);
    if (batches.isEmpty()) {
      waiting.forEach(Promise::tryComplete);
    }
    for (int i = 0; i < batches.size(); i++) {
      requests.send(l, batches.get(i), i == batches.size() - 1 ? waiting : List.of());
    }
    // retained state first (a restarted broker may have lost it), then whatever queued meanwhile
    window.connected(l, retained.toRestore());
    if (reconnect) {
      reconnectListeners.fire();
    }
    firstConnect.tryComplete();
  }

  private void onClosed(ClientLink l) {
    if (l != link) {
      return;
    }
    connected = false;
    link = null;
    window.disconnected(l);
    subscriptions.connectionLost();
    requests.drain().forEach(subscriptions::awaitConnection);
    if (closed) {
      finishClose(); // lost while waiting for the last publishes
      return;
    }
    LOG.warn("MQTT {} lost its connection to {}; reconnecting", options.clientId(), options.uri());
    disconnectListeners.fire();
    vertx.setTimer(reconnectPolicy.connectionLost(), t -> connectAttempt());
  }

  private Context callerContext() {
    Context ctx = Vertx.currentContext();
    return ctx != null ? ctx : context;
  }

  private void onContext(Runnable r) {
    ContextCalls.run(context, r);
  }

  /** For tests and diagnostics: the number of retained topics this session will restore. */
  public Future<Integer> retainedCount() {
    return ContextCalls.get(context, retained::size);
  }
}
