package io.virtnet.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.Names;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts and logs rejected input ({@code vnet_rejected_messages_total{service,reason}}). Logging is
 * rate-limited per reason so a garbage storm cannot flood the log.
 */
public final class Rejections {
  private static final Logger LOG = LoggerFactory.getLogger(Rejections.class);
  private static final long LOG_EVERY = 1000;

  private final MeterRegistry registry;
  private final String service;
  private final ConcurrentHashMap<String, Counter> counters;
  private final LongAdder total;
  /** Also told of each rejection (a per-instance count, say); null for none. */
  private final Runnable alsoCounted;

  public Rejections(MeterRegistry registry, String service) {
    this.registry = registry;
    this.service = service;
    this.counters = new ConcurrentHashMap<>();
    this.total = new LongAdder();
    this.alsoCounted = null;
  }

  private Rejections(Rejections of, Runnable alsoCounted) {
    this.registry = of.registry;
    this.service = of.service;
    this.counters = of.counters;
    this.total = of.total;
    this.alsoCounted = alsoCounted;
  }

  /**
   * These same counters (same meters, same total and summary), also running {@code counted} for each
   * rejection it records: how a part that keeps its own count of rejected input shares the service's.
   */
  public Rejections alsoCounting(Runnable counted) {
    return new Rejections(this, java.util.Objects.requireNonNull(counted, "counted"));
  }

  /** Records one rejected message on {@code topic}. */
  public void reject(String topic, InvalidMessageException e) {
    reject(topic, e.reason(), e.getMessage());
  }

  public void reject(String topic, String reason, String message) {
    Counter c = counters.computeIfAbsent(reason, r -> Counter.builder("vnet_rejected_messages")
        .description("Messages dropped because they break the contract")
        .tag("service", service)
        .tag("reason", r)
        .register(registry));
    c.increment();
    total.increment();
    if (alsoCounted != null) {
      alsoCounted.run();
    }
    long n = (long) c.count();
    if (n <= 10 || n % LOG_EVERY == 0) {
      LOG.warn("{} rejected a message on {} ({}): {}{}", service, Names.printable(topic), reason, message,
          n > 10 ? " [" + n + " so far]" : "");
    }
  }

  /** All rejections counted by this instance. */
  public long total() {
    return total.sum();
  }

  /**
   * Everything counted so far as {@code "N total (reason=n, …)"}, reasons sorted, for the line a
   * service logs when it stops: the exact count where no {@code /metrics} endpoint is served.
   */
  public String summary() {
    StringBuilder b = new StringBuilder().append(total.sum()).append(" total");
    new java.util.TreeMap<>(counters).forEach((reason, c) ->
        b.append(b.indexOf("(") < 0 ? " (" : ", ").append(reason).append('=').append((long) c.count()));
    return b.append(b.indexOf("(") < 0 ? "" : ")").toString();
  }
}
