package io.virtnet.backend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The last changes per instance, as the dashboard's timeline shows them: a bounded ring per instance
 * (newest first when read), so a page opened after a change still shows it. Instances record from
 * their own contexts and the node from its own, hence the lock; it is held only to add or copy.
 */
public final class Timeline {
  /** Entries kept per instance. */
  public static final int PER_INSTANCE = 20;
  /** Instances (including removed ones) kept; the least recently changed go first. */
  static final int MAX_INSTANCES = 4096;

  /** One change; {@code latencyMs} is the end-to-end latency of a driver's view, else null. */
  public record Entry(long seq, Instant ts, String what, String cls, Double latencyMs, String title) {
    public JsonObject toJson() {
      JsonObject o = new JsonObject().put("seq", seq).put("ts", ts.toString()).put("what", what);
      if (cls != null) {
        o.put("cls", cls);
      }
      if (latencyMs != null) {
        o.put("latencyMs", latencyMs);
      }
      if (title != null) {
        o.put("title", title);
      }
      return o;
    }
  }

  private final Supplier<Instant> clock;
  private final BiConsumer<String, Entry> listener;
  /** Access order: the least recently changed instance is evicted first. */
  private final Map<String, ArrayDeque<Entry>> rings = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ArrayDeque<Entry>> eldest) {
      return size() > MAX_INSTANCES;
    }
  };
  private long seq;

  /**
   * @param clock the time stamped on entries
   * @param listener told of every entry after it was recorded (outside the lock), e.g. to push it to
   *     the dashboard
   */
  public Timeline(Supplier<Instant> clock, BiConsumer<String, Entry> listener) {
    this.clock = clock;
    this.listener = listener;
  }

  /** Records a change of {@code instance}; {@code cls} is "up", "down" or null. */
  public void record(String instance, String what, String cls) {
    record(instance, what, cls, null, null);
  }

  public void record(String instance, String what, String cls, Double latencyMs, String title) {
    Entry e;
    synchronized (this) {
      e = new Entry(++seq, clock.get(), what, cls, latencyMs, title);
      ArrayDeque<Entry> ring = rings.computeIfAbsent(instance, k -> new ArrayDeque<>(PER_INSTANCE));
      if (ring.size() == PER_INSTANCE) {
        ring.pollFirst();
      }
      ring.addLast(e);
    }
    listener.accept(instance, e);
  }

  /** One instance's entries, newest first. */
  public synchronized List<Entry> entries(String instance) {
    ArrayDeque<Entry> ring = rings.get(instance);
    List<Entry> out = new ArrayList<>();
    if (ring != null) {
      for (Iterator<Entry> it = ring.descendingIterator(); it.hasNext(); ) {
        out.add(it.next());
      }
    }
    return out;
  }

  /** {@code {"instance":[entry, … newest first], …}}, instances sorted by name. */
  public JsonObject toJson() {
    Map<String, List<Entry>> copy = new TreeMap<>();
    synchronized (this) {
      for (Map.Entry<String, ArrayDeque<Entry>> r : rings.entrySet()) {
        List<Entry> list = new ArrayList<>(r.getValue());
        java.util.Collections.reverse(list);
        copy.put(r.getKey(), list);
      }
    }
    JsonObject o = new JsonObject();
    copy.forEach((name, list) -> {
      JsonArray a = new JsonArray();
      list.forEach(e -> a.add(e.toJson()));
      o.put(name, a);
    });
    return o;
  }
}
