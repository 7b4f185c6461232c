package io.virtnet.runtime.mqtt;

import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The retained messages this service owns: the latest value per topic, restored after every
 * reconnection (a broker may come back with an empty store). Each value carries a sequence number, so
 * that a value that waited (re-queued after a refusal, restored while a newer one was being published)
 * never goes out after a newer value of its topic: on a topic, the last value sent is the newest.
 */
final class RetainedStore {
  /** One retained value; {@code seq} orders the values of one session. */
  record Value(String topic, Buffer payload, long seq) {
    boolean isClear() {
      return payload.length() == 0;
    }
  }

  private final Map<String, Value> latest = new LinkedHashMap<>();
  /** Per topic, the sequence number of the newest value handed to a connection. */
  private final Map<String, Long> newestSent = new HashMap<>();
  private long nextSeq = 1;

  /** Remembers {@code payload} as the topic's value (an empty one clears it); returns the new value. */
  Value remember(String topic, Buffer payload) {
    Value v = new Value(topic, payload, nextSeq++);
    latest.put(topic, v);
    return v;
  }

  /** Forgets the topic: it is not restored any more. */
  void forget(String topic) {
    latest.remove(topic);
  }

  /**
   * The broker acknowledged {@code v}. A clear that is still the topic's value need not be repeated
   * after later reconnects; forgetting it keeps a removed instance from wiping what another node
   * publishes there later.
   */
  void acknowledged(Value v) {
    if (v.isClear() && latest.get(v.topic()) == v) {
      latest.remove(v.topic());
    }
  }

  /** What to publish again after a reconnection: the latest value of every topic, oldest topic first. */
  List<Value> toRestore() {
    return new ArrayList<>(latest.values());
  }

  /**
   * Whether {@code v} may be handed to the connection now: false when a newer value of its topic has
   * already been (then {@code v} is stale and must not overwrite it). Records {@code v} as sent.
   */
  boolean claimSend(Value v) {
    Long newest = newestSent.get(v.topic());
    if (newest != null && newest > v.seq()) {
      return false;
    }
    newestSent.put(v.topic(), v.seq());
    return true;
  }

  /** Whether {@code v} is still the value to restore for its topic. */
  boolean isLatest(Value v) {
    return latest.get(v.topic()) == v;
  }

  int size() {
    return latest.size();
  }
}
