package io.virtnet.backend.policy;

import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.LinkPolicyConfig;

/**
 * One instance's link policy: turns the desired link state (registered ∧ IFF_UP ∧ carrier, as the
 * instance computes it) into reports of the status to write. The pipeline is
 * {@code desired → hold-up/hold-down → dampening → linkwatch → report}: as on routers, the hold timers
 * (carrier-delay) filter glitches before the interface changes that dampening counts as flaps, and
 * linkwatch stays last so that an up after a reported down is urgent whatever caused it (a hold timer
 * firing, a suppression lifted). Every stage passes on the state current when it acts and re-arms its
 * timer on every change, so the last report converges to the last desired state within
 * {@code max(holdUpMs + maxSuppressMs, holdDownMs + linkwatchIntervalMs)} of the last change. The
 * config can change live ({@link #reconfigure}); the reported state is kept. Not thread-safe (use it
 * from one context), except {@link #penalty()} and {@link #suppressed()}.
 */
public final class LinkPolicy {
  /** Receives the reports of the policy. */
  @FunctionalInterface
  public interface Listener {
    /**
     * The status to write is {@code up}; {@code changed} is false when only other config fields
     * need writing (a {@link #refresh()}).
     */
    void onReport(boolean up, boolean changed);
  }

  private volatile LinkPolicyConfig config;
  private final Linkwatch linkwatch;
  private final Dampening dampening;
  private final HoldTimer hold;
  private boolean desired;

  public LinkPolicy(LinkPolicyConfig config, PolicyClock clock, Listener listener) {
    this.config = config;
    this.linkwatch = new Linkwatch(config.linkwatchIntervalMs(), clock, listener::onReport);
    this.dampening = new Dampening(config.dampening(), clock, linkwatch::input);
    this.hold = new HoldTimer(config.holdUpMs(), config.holdDownMs(), clock, dampening::input);
  }

  /** The desired link state now; reports follow as the policy allows. */
  public void update(boolean up) {
    desired = up;
    hold.input(up);
  }

  /**
   * Applies a new policy without losing the reported state: a pending hold keeps its start and gets
   * the new duration, the dampening penalty is kept (clamped to the new ceiling; dropped when
   * dampening is turned off, which lifts a suppression), a pending linkwatch report is re-timed.
   * Downstream stages are reconfigured first so that what moves on passes the new settings.
   */
  public void reconfigure(LinkPolicyConfig next) {
    config = next;
    linkwatch.setInterval(next.linkwatchIntervalMs());
    dampening.configure(next.dampening());
    hold.configure(next.holdUpMs(), next.holdDownMs());
  }

  /** Asks for a config write without a status change, coalesced like a non-urgent event. */
  public void refresh() {
    linkwatch.refresh();
  }

  /**
   * Reports {@code up} at once, bypassing every delay and lifting a suppression (carrier-notify
   * re-sync); the dampening penalty keeps decaying.
   */
  public void resync(boolean up) {
    desired = up;
    hold.force(up);
    dampening.force(up);
    linkwatch.resync(up);
  }

  /** The last reported status. */
  public boolean reportedUp() {
    return linkwatch.reported();
  }

  /** The last desired state given to {@link #update} or {@link #resync}. */
  public boolean desiredUp() {
    return desired;
  }

  /** Changes of the state reaching linkwatch. */
  public long eventsSeen() {
    return linkwatch.eventsSeen();
  }

  public long reports() {
    return linkwatch.reports();
  }

  /** Changes merged by linkwatch (never reported on their own). */
  public long coalesced() {
    return linkwatch.coalesced();
  }

  /** Changes dropped by the hold timers because they did not persist. */
  public long debounced() {
    return hold.debounced();
  }

  public long flaps() {
    return dampening.flaps();
  }

  public long flapsSuppressed() {
    return dampening.flapsSuppressed();
  }

  public long suppressions() {
    return dampening.suppressions();
  }

  /** The current dampening penalty; safe from any thread. */
  public double penalty() {
    return dampening.penalty();
  }

  /** Whether dampening holds the link down; safe from any thread. */
  public boolean suppressed() {
    return dampening.suppressed();
  }

  public LinkPolicyConfig config() {
    return config;
  }

  public JsonObject snapshot() {
    return new JsonObject()
        .put("config", config.toJson())
        .put("desiredUp", desiredUp())
        .put("reportedUp", reportedUp())
        .put("holdPending", hold.hasPending())
        .put("suppressed", suppressed())
        .put("penalty", Math.round(penalty() * 1000) / 1000.0)
        .put("pending", linkwatch.hasPending())
        .put("eventsSeen", eventsSeen())
        .put("reports", reports())
        .put("coalesced", coalesced())
        .put("debounced", debounced())
        .put("flaps", flaps())
        .put("flapsSuppressed", flapsSuppressed())
        .put("suppressions", suppressions());
  }

  /** Cancels pending timers; no report is made afterwards. */
  public void close() {
    hold.close();
    dampening.close();
    linkwatch.close();
  }
}
