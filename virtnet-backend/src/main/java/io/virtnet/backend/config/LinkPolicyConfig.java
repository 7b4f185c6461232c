package io.virtnet.backend.config;

import io.vertx.core.json.JsonObject;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;

/**
 * An instance's link policy: linkwatch coalescing interval (0 = off), optional hold-up/hold-down
 * timers and optional flap dampening ({@code null} = none).
 */
public record LinkPolicyConfig(long linkwatchIntervalMs, long holdUpMs, long holdDownMs, DampeningConfig dampening) {
  /** The kernel's linkwatch rate limit: one non-urgent run per second (HZ). */
  public static final long DEFAULT_LINKWATCH_INTERVAL_MS = 1000;
  public static final long MAX_MS = 3_600_000;
  public static final LinkPolicyConfig DEFAULTS = new LinkPolicyConfig(DEFAULT_LINKWATCH_INTERVAL_MS, 0, 0, null);

  public LinkPolicyConfig {
    if (linkwatchIntervalMs < 0 || linkwatchIntervalMs > MAX_MS) {
      throw new ConfigException("policy.linkwatchIntervalMs: must be 0.." + MAX_MS + ", got " + linkwatchIntervalMs);
    }
    if (holdUpMs < 0 || holdUpMs > MAX_MS) {
      throw new ConfigException("policy.holdUpMs: must be 0.." + MAX_MS + ", got " + holdUpMs);
    }
    if (holdDownMs < 0 || holdDownMs > MAX_MS) {
      throw new ConfigException("policy.holdDownMs: must be 0.." + MAX_MS + ", got " + holdDownMs);
    }
  }

  /** Parses a {@code policy} map (absent = defaults). */
  public static LinkPolicyConfig from(ConfigNode n) {
    n.allowOnly("linkwatchIntervalMs", "holdUpMs", "holdDownMs", "dampening");
    return new LinkPolicyConfig(
        n.integer("linkwatchIntervalMs", 0, MAX_MS, DEFAULT_LINKWATCH_INTERVAL_MS),
        n.integer("holdUpMs", 0, MAX_MS, 0),
        n.integer("holdDownMs", 0, MAX_MS, 0),
        n.has("dampening") ? DampeningConfig.from(n.child("dampening")) : null);
  }

  /** Parses a full policy JSON (e.g. {@code PUT /api/instances/{name}/policy}); errors name the field. */
  public static LinkPolicyConfig fromJson(JsonObject body) {
    return from(new ConfigNode(body, ""));
  }

  /**
   * The longest time from the PHY's last change to the report of its final state: a final up waits for
   * its hold and at most the rest of a suppression (an up after a reported down is urgent), a final
   * down for its hold and one linkwatch interval.
   */
  public long convergenceBoundMs() {
    long maxSuppress = dampening == null ? 0 : dampening.maxSuppressMs();
    return Math.max(holdUpMs + maxSuppress, holdDownMs + linkwatchIntervalMs);
  }

  public LinkPolicyConfig withLinkwatchIntervalMs(long ms) {
    return new LinkPolicyConfig(ms, holdUpMs, holdDownMs, dampening);
  }

  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("linkwatchIntervalMs", linkwatchIntervalMs).put("holdUpMs", holdUpMs)
        .put("holdDownMs", holdDownMs);
    if (dampening != null) {
      o.put("dampening", dampening.toJson());
    }
    return o;
  }
}
