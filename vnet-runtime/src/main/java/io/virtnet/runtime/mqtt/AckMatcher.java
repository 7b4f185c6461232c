package io.virtnet.runtime.mqtt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Matches a connection's acknowledgements (PUBACK, SUBACK) to what was sent. vertx-mqtt reports a
 * packet's id through a future that completes once the write is done, and the broker's acknowledgement
 * can be read before that: such an early acknowledgement is remembered until the id is known. An
 * acknowledgement while no id is outstanding matches nothing (never a later packet reusing the id).
 * One matcher per connection: packet ids mean nothing on another.
 */
final class AckMatcher<T> {
  private final Map<Integer, T> byId = new HashMap<>();
  private final Set<Integer> early = new HashSet<>();
  private int awaitingIds;

  /** A packet was handed to the client; its id is not known yet. */
  void sending() {
    awaitingIds++;
  }

  /**
   * The client reported {@code id} for {@code item}. True when its acknowledgement already came (the
   * caller settles the item now); otherwise the item waits for {@link #acked}.
   */
  boolean idKnown(int id, T item) {
    boolean ackedAlready = early.remove(id);
    if (!ackedAlready) {
      byId.put(id, item);
    }
    idSettled();
    return ackedAlready;
  }

  /** The client failed the packet: no id will come for it. */
  void sendFailed() {
    idSettled();
  }

  private void idSettled() {
    awaitingIds--;
    if (awaitingIds <= 0) {
      awaitingIds = 0;
      // every id is known: a remembered acknowledgement can no longer match anything
      early.clear();
    }
  }

  /** An acknowledgement: the item it settles, or null (remembered if it may be early, else ignored). */
  T acked(int id) {
    T item = byId.remove(id);
    if (item == null && awaitingIds > 0) {
      early.add(id);
    }
    return item;
  }

  /** Items whose id is known and whose acknowledgement has not come. */
  List<T> pending() {
    return new ArrayList<>(byId.values());
  }

  int awaitingIds() {
    return awaitingIds;
  }
}
