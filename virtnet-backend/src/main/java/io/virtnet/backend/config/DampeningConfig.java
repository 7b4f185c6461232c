package io.virtnet.backend.config;

import io.vertx.core.json.JsonObject;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;

/**
 * Flap dampening (as IP event dampening): each flap adds {@code penalty}, which decays exponentially
 * with {@code halfLifeMs}; the link is suppressed (held down) while the penalty is at or above
 * {@code suppress}, until it decays below {@code reuse} or {@code maxSuppressMs} passed.
 */
public record DampeningConfig(double penalty, long halfLifeMs, double suppress, double reuse, long maxSuppressMs) {
  public static final double DEFAULT_PENALTY = 1000;
  public static final long DEFAULT_HALF_LIFE_MS = 5_000;
  public static final double DEFAULT_SUPPRESS = 2000;
  public static final double DEFAULT_REUSE = 1000;
  public static final long DEFAULT_MAX_SUPPRESS_MS = 20_000;

  public DampeningConfig {
    if (!(penalty > 0) || !(suppress > 0) || !(reuse > 0)) {
      throw new ConfigException("dampening: penalty, suppress and reuse must be > 0");
    }
    if (halfLifeMs <= 0 || maxSuppressMs <= 0) {
      throw new ConfigException("dampening: halfLifeMs and maxSuppressMs must be > 0");
    }
    if (reuse >= suppress) {
      throw new ConfigException("dampening.reuse: must be below suppress (" + suppress + "), got " + reuse);
    }
  }

  /** Parses a {@code dampening} map; every error names the field path. */
  public static DampeningConfig from(ConfigNode n) {
    n.allowOnly("penalty", "halfLifeMs", "suppress", "reuse", "maxSuppressMs");
    double penalty = n.number("penalty", 1, 1e9, DEFAULT_PENALTY);
    long halfLife = n.integer("halfLifeMs", 1, 86_400_000, DEFAULT_HALF_LIFE_MS);
    double suppress = n.number("suppress", 1, 1e12, DEFAULT_SUPPRESS);
    double reuse = n.number("reuse", 1, 1e12, DEFAULT_REUSE);
    long maxSuppress = n.integer("maxSuppressMs", 1, 86_400_000, DEFAULT_MAX_SUPPRESS_MS);
    if (reuse >= suppress) {
      throw n.error("reuse", "must be below suppress (" + suppress + "), got " + reuse);
    }
    return new DampeningConfig(penalty, halfLife, suppress, reuse, maxSuppress);
  }

  public JsonObject toJson() {
    return new JsonObject().put("penalty", penalty).put("halfLifeMs", halfLifeMs).put("suppress", suppress)
        .put("reuse", reuse).put("maxSuppressMs", maxSuppressMs);
  }
}
