package io.virtnet.runtime.mqtt;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Capped exponential backoff with full jitter ("decorrelated" retries do not stampede a broker). */
public final class Backoff {
  private final long minMs;
  private final long maxMs;
  private int attempt;

  public Backoff(Duration min, Duration max) {
    this.minMs = Math.max(1, min.toMillis());
    this.maxMs = Math.max(minMs, max.toMillis());
  }

  /** The delay before the next attempt: uniform in [min, min(max, min·2^attempt)]. */
  public long nextDelayMs() {
    long ceiling = Math.min(maxMs, minMs << Math.min(attempt, 20));
    attempt++;
    return minMs + ThreadLocalRandom.current().nextLong(Math.max(1, ceiling - minMs + 1));
  }

  public void reset() {
    attempt = 0;
  }
}
