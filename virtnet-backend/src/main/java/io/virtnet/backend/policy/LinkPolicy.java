package io.virtnet.backend.policy;

import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.LinkPolicyConfig;

/**
 * One instance's link policy: turns the desired link state (registered ∧ IFF_UP ∧ carrier, as the
 * instance computes it) into reports of the status to write. The pipeline is
 * {@code desired → [dampening] → [hold-up/hold-down] → linkwatch → report}; today only the linkwatch
 * stage has behaviour, the other two stages of {@link LinkPolicyConfig} are validated and
 * passed through (see {@link #filter(boolean)}, where they slot in). Whatever the policy, the last
 * report converges to the last desired state. Not thread-safe: use it from one context.
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

  private final LinkPolicyConfig config;
  private final Linkwatch linkwatch;

  public LinkPolicy(LinkPolicyConfig config, PolicyClock clock, Listener listener) {
    this.config = config;
    this.linkwatch = new Linkwatch(config.linkwatchIntervalMs(), clock, listener::onReport);
  }

  /** The desired link state now; reports follow as the policy allows. */
  public void update(boolean up) {
    linkwatch.input(filter(up));
  }

  /**
   * The dampening and hold-timer stages. Identity for now: a later stage keeps its own timers on the
   * same {@link PolicyClock} and feeds {@link Linkwatch#input(boolean)} when its output changes.
   */
  private boolean filter(boolean up) {
    return up;
  }

  /** Asks for a config write without a status change, coalesced like a non-urgent event. */
  public void refresh() {
    linkwatch.refresh();
  }

  /** Reports {@code up} at once, bypassing every delay (carrier-notify re-sync). */
  public void resync(boolean up) {
    linkwatch.resync(up);
  }

  /** The last reported status. */
  public boolean reportedUp() {
    return linkwatch.reported();
  }

  public boolean desiredUp() {
    return linkwatch.desired();
  }

  public long eventsSeen() {
    return linkwatch.eventsSeen();
  }

  public long reports() {
    return linkwatch.reports();
  }

  public long coalesced() {
    return linkwatch.coalesced();
  }

  public LinkPolicyConfig config() {
    return config;
  }

  public JsonObject snapshot() {
    return new JsonObject()
        .put("config", config.toJson())
        .put("desiredUp", desiredUp())
        .put("reportedUp", reportedUp())
        .put("pending", linkwatch.hasPending())
        .put("eventsSeen", eventsSeen())
        .put("reports", reports())
        .put("coalesced", coalesced());
  }

  /** Cancels pending timers; no report is made afterwards. */
  public void close() {
    linkwatch.close();
  }
}
