package io.virtnet.runtime.mqtt;

import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Subscribe and unsubscribe requests waiting to go out. Subscriptions asked for while the session's
 * SUBSCRIBEs in flight are at their bound are kept in order and sent later as batches of distinct
 * filters; one turn's unsubscriptions go out together as UNSUBSCRIBEs of a batch of filters. The bound
 * and the batches matter: vertx-mqtt numbers packets 1..65535 round robin without skipping ids still
 * in use, so tens of thousands of requests at once (10,000 instances deploying or stopping, seven
 * filters each) reuse ids of requests still open: HiveMQ then dropped the connection and on Mosquitto
 * a SUBACK answered the wrong request and the deploy hung (bench (d)). Runs on the session's context.
 */
final class SubscribeQueue {
  /** SUBSCRIBEs in flight at most; with the publish window (1,000) far below the 65,535 ids. */
  static final int MAX_IN_FLIGHT = 64;

  /** One SUBSCRIBE to send: its filters (QoS 1 each) and who waits for its SUBACK. */
  record Batch(Map<String, Integer> filters, List<Promise<Void>> waiting) {}

  private record Request(String filter, Promise<Void> acked) {}

  private final ArrayDeque<Request> queued = new ArrayDeque<>();
  private final ArrayDeque<Request> unsubscribing = new ArrayDeque<>();

  /**
   * Queues a subscribe; true when it is the first queued (the caller then schedules the send: a queue
   * left non-empty by a send waits for a SUBACK to free a slot, and each SUBACK sends again).
   */
  boolean add(String filter, Promise<Void> acked) {
    queued.add(new Request(filter, acked));
    return queued.size() == 1;
  }

  boolean isEmpty() {
    return queued.isEmpty();
  }

  /**
   * The next SUBSCRIBE: the oldest requests, up to {@code max} distinct filters. A filter asked for twice
   * before it leaves goes once: every subscriber waiting for it is already registered, so the retained
   * messages this SUBSCRIBE brings reach each of them (a filter asked for again after its SUBSCRIBE left
   * is subscribed again, for the newcomer's retained messages). Stopping a batch at the first repeat
   * instead cut a 10,000-instance deploy into one packet per instance (bench (d): HiveMQ CE
   * copies a client's whole subscription set per SUBSCRIBE, so that took 16 s instead of 5).
   */
  Batch next(int max) {
    Map<String, Integer> filters = new LinkedHashMap<>();
    List<Promise<Void>> waiting = new ArrayList<>();
    while (!queued.isEmpty() && (filters.size() < max || filters.containsKey(queued.peek().filter()))) {
      Request r = queued.poll();
      filters.put(r.filter(), 1);
      waiting.add(r.acked());
    }
    return new Batch(filters, waiting);
  }

  /** Queues an unsubscribe; true when it is the first queued (the caller then schedules the send). */
  boolean addUnsubscribe(String filter, Promise<Void> done) {
    unsubscribing.add(new Request(filter, done));
    return unsubscribing.size() == 1;
  }

  /**
   * Every queued unsubscribe, taken, as UNSUBSCRIBE batches of up to {@code max} filters; a filter
   * {@code held} again meanwhile is left out (it stays subscribed), its waiters still in a batch.
   */
  List<Batch> takeUnsubscribes(Predicate<String> held, int max) {
    List<Batch> batches = new ArrayList<>();
    Batch b = null;
    for (Request r : unsubscribing) {
      if (b == null || b.filters().size() == max) {
        b = new Batch(new LinkedHashMap<>(), new ArrayList<>());
        batches.add(b);
      }
      if (!held.test(r.filter())) {
        b.filters().put(r.filter(), 1);
      }
      b.waiting().add(r.acked());
    }
    unsubscribing.clear();
    return batches;
  }

  /** Everyone still queued (the connection is gone: the next one subscribes every filter anyway). */
  List<Promise<Void>> drain() {
    List<Promise<Void>> all = new ArrayList<>(queued.size());
    queued.forEach(r -> all.add(r.acked()));
    queued.clear();
    return all;
  }
}
