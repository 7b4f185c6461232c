package io.virtnet.backend.config;

import io.vertx.core.json.JsonObject;
import io.virtnet.runtime.config.ConfigException;
import io.virtnet.runtime.config.ConfigNode;

/**
 * Flap dampening (as IP event dampening): each flap adds {@code penalty}, which decays exponentially
 * with {@code halfLifeMs}; the link is suppressed (held down) while the penalty is at or above
 * {@code suppress}, until it decays to {@code reuse}; the penalty is capped at
 * {@code reuse · 2^(maxSuppressMs / halfLifeMs)}, so a suppression ends at most {@code maxSuppressMs}
 * after the last flap.
 */
public record DampeningConfig(double penalty, long halfLifeMs, double suppress, double reuse, long maxSuppressMs) {
  public static final double DEFAULT_PENALTY = 1000;
  public static final long DEFAULT_HALF_LIFE_MS = 5_000;
  public static final double DEFAULT_SUPPRESS = 2000;
  public static final double DEFAULT_REUSE = 1000;
  public static final long DEFAULT_MAX_SUPPRESS_MS = 20_000;

  public DampeningConfig {
    requirePositive("penalty", penalty);
    requirePositive("suppress", suppress);
    requirePositive("reuse", reuse);
    if (halfLifeMs <= 0) {
      throw new ConfigException("dampening.halfLifeMs: must be > 0, got " + halfLifeMs);
    }
    if (maxSuppressMs <= 0) {
      throw new ConfigException("dampening.maxSuppressMs: must be > 0, got " + maxSuppressMs);
    }
    if (reuse >= suppress) {
      throw new ConfigException("dampening.reuse: must be below suppress (" + suppress + "), got " + reuse);
    }
    String ceilingProblem = ceilingProblem(suppress, reuse, halfLifeMs, maxSuppressMs);
    if (ceilingProblem != null) {
      throw new ConfigException("dampening.maxSuppressMs: " + ceilingProblem);
    }
  }

  private static void requirePositive(String field, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new ConfigException("dampening." + field + ": must be a finite number > 0, got " + v);
    }
  }

  /**
   * The penalty never exceeds {@code reuse · 2^(maxSuppressMs / halfLifeMs)} (so that a suppression
   * ends at most {@code maxSuppressMs} after the last flap); a ceiling below {@code suppress} would
   * make dampening a silent no-op.
   */
  private static String ceilingProblem(double suppress, double reuse, long halfLifeMs, long maxSuppressMs) {
    double ceiling = reuse * Math.pow(2, (double) maxSuppressMs / halfLifeMs);
    if (ceiling < suppress) {
      return "too short: the penalty ceiling reuse·2^(maxSuppressMs/halfLifeMs) = " + Math.round(ceiling)
          + " is below suppress (" + suppress + "), so the link could never be suppressed; raise it to at least "
          + (long) Math.ceil(halfLifeMs * Math.log(suppress / reuse) / Math.log(2));
    }
    return null;
  }

  /** The ceiling on the penalty, {@code reuse · 2^(maxSuppressMs / halfLifeMs)}. */
  public double ceiling() {
    return reuse * Math.pow(2, (double) maxSuppressMs / halfLifeMs);
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
    String ceilingProblem = ceilingProblem(suppress, reuse, halfLife, maxSuppress);
    if (ceilingProblem != null) {
      throw n.error("maxSuppressMs", ceilingProblem);
    }
    return new DampeningConfig(penalty, halfLife, suppress, reuse, maxSuppress);
  }

  public JsonObject toJson() {
    return new JsonObject().put("penalty", penalty).put("halfLifeMs", halfLifeMs).put("suppress", suppress)
        .put("reuse", reuse).put("maxSuppressMs", maxSuppressMs);
  }
}
