package io.virtnet.runtime.mqtt;

import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Subscriptions asked for while the session's SUBSCRIBEs in flight are at their bound, kept in order
 * and sent later as batches of distinct filters. The bound matters: vertx-mqtt numbers packets
 * 1..65535 round robin without skipping ids still in use, so tens of thousands of SUBSCRIBEs at once
 * (10,000 instances deploying, seven filters each) reuse ids of requests still open: HiveMQ then
 * dropped the connection and on Mosquitto a SUBACK answered the wrong request and the deploy hung
 * (bench (d)). Runs on the session's context.
 */
final class SubscribeQueue {
  /** SUBSCRIBEs in flight at most; with the publish window (1,000) far below the 65,535 ids. */
  static final int MAX_IN_FLIGHT = 64;

  /** One SUBSCRIBE to send: its filters (QoS 1 each) and who waits for its SUBACK. */
  record Batch(Map<String, Integer> filters, List<Promise<Void>> waiting) {}

  private record Request(String filter, Promise<Void> acked) {}

  private final ArrayDeque<Request> queued = new ArrayDeque<>();

  void add(String filter, Promise<Void> acked) {
    queued.add(new Request(filter, acked));
  }

  boolean isEmpty() {
    return queued.isEmpty();
  }

  /**
   * The next SUBSCRIBE: the oldest requests, up to {@code max} filters, none twice (a filter asked for
   * again must be subscribed again, so that the broker re-sends its retained messages to the newcomer).
   */
  Batch next(int max) {
    Map<String, Integer> filters = new LinkedHashMap<>();
    List<Promise<Void>> waiting = new ArrayList<>();
    while (!queued.isEmpty() && filters.size() < max && !filters.containsKey(queued.peek().filter())) {
      Request r = queued.poll();
      filters.put(r.filter(), 1);
      waiting.add(r.acked());
    }
    return new Batch(filters, waiting);
  }

  /** Everyone still queued (the connection is gone: the next one subscribes every filter anyway). */
  List<Promise<Void>> drain() {
    List<Promise<Void>> all = new ArrayList<>(queued.size());
    queued.forEach(r -> all.add(r.acked()));
    queued.clear();
    return all;
  }
}
