package io.virtnet.benchmarks.e2e;

import java.util.Arrays;

/** Latency samples in nanoseconds and their percentiles (nearest rank). Not thread-safe. */
public final class Latencies {
  private long[] samples = new long[1024];
  private int size;
  /** The last summary, until a sample is added: a report asks for it once per percentile. */
  private Summary summary;

  public void add(long nanos) {
    summary = null;
    if (size == samples.length) {
      samples = Arrays.copyOf(samples, size * 2);
    }
    samples[size++] = nanos;
  }

  /** Adds every sample of {@code other}. */
  public void addAll(Latencies other) {
    for (int i = 0; i < other.size; i++) {
      add(other.samples[i]);
    }
  }

  public int count() {
    return size;
  }

  /** The summary in milliseconds; all NaN without samples. */
  public Summary summary() {
    if (summary == null) {
      summary = compute();
    }
    return summary;
  }

  private Summary compute() {
    if (size == 0) {
      return new Summary(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    long[] s = Arrays.copyOf(samples, size);
    Arrays.sort(s);
    return new Summary(size, ms(pick(s, 0.50)), ms(pick(s, 0.90)), ms(pick(s, 0.99)), ms(pick(s, 0.999)), ms(s[size - 1]));
  }

  static long pick(long[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1000.0) / 1000.0;
  }

  /** Percentiles in milliseconds. */
  public record Summary(int samples, double p50, double p90, double p99, double p999, double max) {}
}
