package io.virtnet.runtime.mqtt;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.virtnet.runtime.ContextCalls;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The session's subscriptions: which handlers hold which filter, the fan-out of each message to them
 * (each on its own context), and who waits for which SUBACK. Runs on the session's context only.
 */
final class SubscriptionRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SubscriptionRegistry.class);

  /**
   * One handler on a filter. It remembers the topics it has had a message on (retained or live) since
   * it (or the session) last subscribed, so that when another subscriber of the same filter subscribes
   * again, the broker's re-sent retained messages reach only the newcomer (not every earlier subscriber:
   * with thousands of instances on one agent's status topic that would be quadratic; and a copy of a
   * value it already had live would look like a resync to it).
   */
  static final class Subscriber {
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

  private static final class FilterEntry {
    final String filter;
    // copy-on-write: dispatch iterates without copying, (un)subscribing is rare
    final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();

    FilterEntry(String filter) {
      this.filter = filter;
    }
  }

  private final Map<String, FilterEntry> filters = new LinkedHashMap<>();
  private final List<FilterEntry> wildcardFilters = new ArrayList<>();
  private final List<Promise<Void>> awaitingConnection = new ArrayList<>();
  private final Set<PendingSubscribe> outstanding = new LinkedHashSet<>();
  private AckMatcher<PendingSubscribe> subAcks = new AckMatcher<>();
  private Object connection;

  /** Adds {@code s} to {@code filter}; true when the filter was not held before. */
  boolean add(String filter, Subscriber s) {
    FilterEntry entry = filters.get(filter);
    boolean fresh = entry == null;
    if (fresh) {
      entry = new FilterEntry(filter);
      filters.put(filter, entry);
      if (TopicFilter.isWildcard(filter)) {
        wildcardFilters.add(entry);
      }
    }
    entry.subscribers.add(s);
    return fresh;
  }

  /** Removes {@code s}; true when it was the filter's last subscriber (unsubscribe at the broker). */
  boolean remove(String filter, Subscriber s) {
    FilterEntry entry = filters.get(filter);
    if (entry == null || !entry.subscribers.remove(s)) {
      return false;
    }
    if (entry.subscribers.isEmpty()) {
      filters.remove(filter);
      wildcardFilters.remove(entry);
      return true;
    }
    return false;
  }

  /** True while some subscriber holds {@code filter}. */
  boolean holds(String filter) {
    return filters.containsKey(filter);
  }

  /** Every filter held, at QoS 1, in SUBSCRIBE packets of at most {@code size} filters. */
  List<Map<String, Integer>> subscribeBatches(int size) {
    List<Map<String, Integer>> batches = new ArrayList<>();
    Map<String, Integer> batch = null;
    for (String f : filters.keySet()) {
      if (batch == null || batch.size() == size) {
        batch = new LinkedHashMap<>();
        batches.add(batch);
      }
      batch.put(f, 1);
    }
    return batches;
  }

  /**
   * A new connection ({@code connection} identifies it in SUBACK reports): the broker re-sends every
   * retained message, which is news to every subscriber.
   */
  void newConnection(Object connection) {
    for (FilterEntry e : filters.values()) {
      e.subscribers.forEach(Subscriber::forgetTopicsSeen);
    }
    outstanding.forEach(s -> awaitingConnection.addAll(s.waiting));
    outstanding.clear();
    subAcks = new AckMatcher<>();
    this.connection = connection;
  }

  /** Hands {@code msg} to every subscriber of a matching filter, each on its own context. */
  void dispatch(InboundMessage msg) {
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
      ContextCalls.run(s.context, () -> safeHandle(s.handler, msg));
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

  // ---- who waits for which SUBACK ----

  /** One SUBSCRIBE handed to the client and the subscribers waiting for its SUBACK. */
  static final class PendingSubscribe {
    private final Object connection;
    private final List<Promise<Void>> waiting;

    private PendingSubscribe(Object connection, List<Promise<Void>> waiting) {
      this.connection = connection;
      this.waiting = waiting;
    }
  }

  /** SUBSCRIBEs of the current connection not acknowledged yet. */
  int inFlight() {
    return outstanding.size();
  }

  /** {@code p} completes once the next connection's subscriptions are acknowledged. */
  void awaitConnection(Promise<Void> p) {
    awaitingConnection.add(p);
  }

  /** The promises waiting for a connection, now to wait for that connection's SUBACKs. */
  List<Promise<Void>> takeAwaitingConnection() {
    List<Promise<Void>> waiting = new ArrayList<>(awaitingConnection);
    awaitingConnection.clear();
    return waiting;
  }

  /** A SUBSCRIBE is handed to {@code connection}'s client; report its packet id with {@link #subscribeSent}. */
  PendingSubscribe subscribing(Object connection, List<Promise<Void>> waiting) {
    PendingSubscribe s = new PendingSubscribe(connection, waiting);
    if (connection == this.connection) {
      outstanding.add(s);
      subAcks.sending();
    } else {
      awaitingConnection.addAll(waiting);
    }
    return s;
  }

  /**
   * The client reported the SUBSCRIBE's packet id, or failed it (then its subscribers wait for the next
   * connection). A report from an earlier connection changes nothing: its subscribers were moved on then.
   */
  void subscribeSent(PendingSubscribe s, AsyncResult<Integer> ar) {
    if (s.connection != connection || !outstanding.contains(s)) {
      return;
    }
    if (ar.failed()) {
      subAcks.sendFailed();
      outstanding.remove(s);
      awaitingConnection.addAll(s.waiting);
    } else if (subAcks.idKnown(ar.result(), s)) {
      acknowledged(s);
    }
  }

  /** A SUBACK on {@code from}: its subscribers complete. */
  void subAcked(Object from, int packetId) {
    if (from != connection) {
      return;
    }
    PendingSubscribe s = subAcks.acked(packetId);
    if (s != null) {
      acknowledged(s);
    }
  }

  private void acknowledged(PendingSubscribe s) {
    outstanding.remove(s);
    s.waiting.forEach(Promise::tryComplete);
  }

  /** The connection is gone: whoever waited for one of its SUBACKs waits for the next connection. */
  void connectionLost() {
    outstanding.forEach(s -> awaitingConnection.addAll(s.waiting));
    outstanding.clear();
    subAcks = new AckMatcher<>();
    connection = null;
  }

  /** Fails every waiter (the session closed). */
  void failWaiters(String reason) {
    connectionLost();
    takeAwaitingConnection().forEach(p -> p.tryFail(reason));
  }
}
