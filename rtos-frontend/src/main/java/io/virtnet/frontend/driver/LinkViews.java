package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.virtnet.runtime.metrics.Repairs;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The retained {@code link} views of one RTOS CPU, whose only owner is this frontend (docs/contract.md
 * §3): publishes them, and when a message shows up on one that is neither the view it holds nor an
 * echo of one of its own publishes still on the way, re-asserts the view at once (another client
 * cleared or overwrote it). A view is re-asserted at most once per {@link #REASSERT_HOLDOFF_MS}: a
 * write within that time is reported as a conflict (another frontend serving the same CPU?) and
 * answered once the hold-off is over, so two writers never fight in a tight loop and a single lie is
 * still undone within a second. Publishing, time and timers come through interfaces, so the logic is
 * tested without a broker. Used from the CPU verticle's context only.
 */
public final class LinkViews {
  /** Publishes a retained payload on the link topic of {@code instance} (empty = clear). */
  @FunctionalInterface
  public interface Publisher {
    Future<Void> publish(String instance, byte[] payload);
  }

  /** Told of each re-assertion (to count it as a repair) and of each write left standing as a conflict. */
  public interface RepairListener {
    void reasserted(String instance, String why);

    void conflict(String instance);

    /** Counts the re-assertions and conflicts of CPU {@code cpu}'s views in {@code repairs}. */
    static RepairListener countedIn(Repairs repairs, int cpu) {
      return new RepairListener() {
        @Override
        public void reasserted(String instance, String why) {
          repairs.repaired(Repairs.LINK_VIEW, "cpu " + cpu + " " + instance + " view " + why);
        }

        @Override
        public void conflict(String instance) {
          repairs.repaired(Repairs.LINK_VIEW_CONFLICT, "cpu " + cpu + " " + instance + " view: another client keeps"
              + " overwriting it (a second frontend serving cpu " + cpu + "?); not fighting over it");
        }
      };
    }
  }

  /** Runs an action later, on the same context. */
  @FunctionalInterface
  public interface Timers {
    void after(long delayMs, Runnable action);
  }

  /** The least time between two re-assertions of one view. */
  public static final long REASSERT_HOLDOFF_MS = 1_000;

  /**
   * Own publishes remembered per view until their echo is back; older ones are forgotten past this. A
   * cap, not an expectation: in a storm a CPU publishes a view faster than the broker echoes it, and a
   * cap of 32 took its own late echoes for another writer (the backend's config had the same fault).
   * Echoes return in order and empty the queue from the front, so it stays short outside storms.
   */
  static final int MAX_IN_FLIGHT = 4096;

  private final Publisher publisher;
  private final RepairListener repairs;
  private final LongSupplier clockMs;
  private final Timers timers;
  private final Map<String, View> views = new HashMap<>();

  private static final class View {
    byte[] held; // null once cleared: no longer ours to defend
    final ArrayDeque<byte[]> inFlight = new ArrayDeque<>();
    long lastReassertMs = Long.MIN_VALUE;
    boolean storeWrong; // the last message seen there was another client's
    boolean deferred;
  }

  public LinkViews(Publisher publisher, RepairListener repairs, LongSupplier clockMs, Timers timers) {
    this.publisher = publisher;
    this.repairs = repairs;
    this.clockMs = clockMs;
    this.timers = timers;
  }

  /** Publishes {@code payload} as the view of {@code instance} and defends it from now on. */
  public Future<Void> publish(String instance, byte[] payload) {
    View v = views.computeIfAbsent(instance, i -> new View());
    v.held = payload;
    return send(instance, v, payload);
  }

  /** Clears the view of {@code instance} (driver removed) and stops defending it. */
  public Future<Void> clear(String instance) {
    View v = views.computeIfAbsent(instance, i -> new View());
    v.held = null;
    return send(instance, v, new byte[0]);
  }

  /**
   * A message seen on the link topic of {@code instance} (our own echo, a retained redelivery, or
   * another client's write). Returns true if it made us re-assert the view.
   */
  public boolean observed(String instance, byte[] payload) {
    View v = views.get(instance);
    if (v == null) {
      return false;
    }
    if (consumeEcho(v, payload) || (v.held != null && Arrays.equals(v.held, payload))) {
      v.storeWrong = false;
      forgetIfDone(instance, v);
      return false;
    }
    if (v.held == null) {
      forgetIfDone(instance, v);
      return false; // not ours any more (the driver is gone): someone else may write there
    }
    v.storeWrong = true;
    long wait = v.lastReassertMs == Long.MIN_VALUE ? 0 : v.lastReassertMs + REASSERT_HOLDOFF_MS - clockMs.getAsLong();
    if (wait > 0) {
      if (!v.deferred) {
        v.deferred = true;
        repairs.conflict(instance); // someone keeps writing here: report it, answer after the hold-off
        timers.after(wait, () -> {
          v.deferred = false;
          if (views.get(instance) == v && v.held != null && v.storeWrong) {
            reassert(instance, v, "overwritten again within " + REASSERT_HOLDOFF_MS + " ms");
          }
        });
      }
      return false;
    }
    reassert(instance, v, payload.length == 0 ? "cleared by another client" : "overwritten by another client");
    return true;
  }

  private void reassert(String instance, View v, String why) {
    v.lastReassertMs = clockMs.getAsLong();
    repairs.reasserted(instance, why);
    send(instance, v, v.held);
  }

  /** The view held for {@code instance}, or null (for tests and snapshots). */
  byte[] held(String instance) {
    View v = views.get(instance);
    return v == null ? null : v.held;
  }

  private Future<Void> send(String instance, View v, byte[] payload) {
    if (v.inFlight.size() >= MAX_IN_FLIGHT) {
      v.inFlight.pollFirst();
    }
    v.inFlight.addLast(payload);
    return publisher.publish(instance, payload);
  }

  /** An own publish echoed back: it and every older one still expected are done (the broker keeps order). */
  private static boolean consumeEcho(View v, byte[] payload) {
    int i = 0;
    for (byte[] p : v.inFlight) {
      i++;
      if (Arrays.equals(p, payload)) {
        for (Iterator<byte[]> it = v.inFlight.iterator(); i-- > 0; ) {
          it.next();
          it.remove();
        }
        return true;
      }
    }
    return false;
  }

  private void forgetIfDone(String instance, View v) {
    if (v.held == null && v.inFlight.isEmpty()) {
      views.remove(instance);
    }
  }
}
