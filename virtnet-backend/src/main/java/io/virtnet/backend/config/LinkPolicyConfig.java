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
    if (holdUpMs < 0 || holdUpMs > MAX_MS || holdDownMs < 0 || holdDownMs > MAX_MS) {
      throw new ConfigException("policy: holdUpMs and holdDownMs must be 0.." + MAX_MS);
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
