package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.retained.RetainedOwnership;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The retained {@code link} views of one RTOS CPU, whose only owner is this frontend (docs/contract.md
 * §3): publishes them, and when a message shows up on one that is neither the view it holds nor an
 * echo of one of its own publishes still on the way, re-asserts the view at once (another client
 * cleared or overwrote it). Which writes are another client's, and when one that keeps writing is a
 * conflict (another frontend serving the same CPU?) answered only after a back-off, is the shared
 * {@link RetainedOwnership} model's call. Publishing, time and timers come through interfaces, so the
 * logic is tested without a broker. Used from the CPU verticle's context only.
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
              + " overwriting it (a second frontend serving cpu " + cpu + "?); backing off");
        }
      };
    }
  }

  /** Runs an action later, on the same context. */
  @FunctionalInterface
  public interface Timers {
    void after(long delayMs, Runnable action);
  }

  private final Publisher publisher;
  private final RepairListener repairs;
  private final Timers timers;
  /** Keyed by instance name: the views are this CPU's topics, one per instance. */
  private final RetainedOwnership views;

  /** Views defended under {@link RetainedOwnership.Policy#DEFAULT}. */
  public LinkViews(Publisher publisher, RepairListener repairs, LongSupplier clockMs, Timers timers) {
    this(publisher, repairs, clockMs, timers, RetainedOwnership.Policy.DEFAULT);
  }

  public LinkViews(Publisher publisher, RepairListener repairs, LongSupplier clockMs, Timers timers,
      RetainedOwnership.Policy policy) {
    this.publisher = publisher;
    this.repairs = repairs;
    this.timers = timers;
    this.views = RetainedOwnership.ofPublished(policy, clockMs);
  }

  /** Publishes {@code payload} as the view of {@code instance} and defends it from now on. */
  public Future<Void> publish(String instance, byte[] payload) {
    views.published(instance, payload);
    return publisher.publish(instance, payload);
  }

  /** Clears the view of {@code instance} (driver removed) and stops defending it. */
  public Future<Void> clear(String instance) {
    byte[] empty = new byte[0];
    views.published(instance, empty);
    views.release(instance);
    return publisher.publish(instance, empty);
  }

  /**
   * A message seen on the link topic of {@code instance} (our own echo, a retained redelivery, or
   * another client's write). Returns true if it made us re-assert the view at once.
   */
  public boolean observed(String instance, byte[] payload) {
    RetainedOwnership.Verdict v = views.observed(instance, payload);
    if (v.reportConflict()) {
      repairs.conflict(instance); // someone keeps writing here: report it, answer after the back-off
    }
    if (!v.reassert()) {
      return false;
    }
    if (v.delay().isZero()) {
      return reassert(instance, payload.length == 0 ? "cleared by another client" : "overwritten by another client");
    }
    timers.after(v.delay().toMillis(), () -> reassert(instance, "overwritten again, re-asserted after backing off "
        + v.delay().toMillis() + " ms"));
    return false;
  }

  private boolean reassert(String instance, String why) {
    Optional<byte[]> view = views.reassert(instance); // empty: the store is right again, or the view cleared
    view.ifPresent(held -> {
      repairs.reasserted(instance, why);
      views.published(instance, held);
      publisher.publish(instance, held);
    });
    return view.isPresent();
  }

  /** The view held for {@code instance}, or null (for tests and snapshots). */
  byte[] held(String instance) {
    return views.held(instance);
  }
}
