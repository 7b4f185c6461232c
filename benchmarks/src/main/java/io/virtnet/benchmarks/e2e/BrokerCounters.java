package io.virtnet.benchmarks.e2e;

/**
 * The broker's own count of the PUBLISH packets it received from clients and sent to subscribers,
 * so that what the contract costs the broker per delivered link view is a number, not an estimate.
 */
public interface BrokerCounters extends AutoCloseable {
  /** PUBLISH packets in (from publishers) and out (deliveries to subscribers). */
  record Counts(long publishesIn, long publishesOut) {
    public Counts minus(Counts earlier) {
      return new Counts(publishesIn - earlier.publishesIn, publishesOut - earlier.publishesOut);
    }
  }

  /** The counts with everything the broker handled before this call in (may wait for the broker to report). */
  Counts read();

  /** Where the counts come from, for the report. */
  String source();

  @Override
  default void close() {}
}
