package io.virtnet.benchmarks.e2e;

import com.codahale.metrics.Counting;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;

/** HiveMQ CE's own PUBLISH counters, read from its Dropwizard registry (exact at any moment). */
public final class HiveMqCounters implements BrokerCounters {
  static final String IN = "com.hivemq.messages.incoming.publish.count";
  static final String OUT = "com.hivemq.messages.outgoing.publish.count";

  private final MetricRegistry registry;

  public HiveMqCounters(MetricRegistry registry) {
    this.registry = registry;
  }

  @Override
  public Counts read() {
    return new Counts(count(IN), count(OUT));
  }

  @Override
  public String source() {
    return "HiveMQ metrics " + IN + ", " + OUT;
  }

  private long count(String name) {
    Metric m = registry.getMetrics().get(name);
    if (m instanceof Counting c) {
      return c.getCount();
    }
    throw new IllegalStateException("HiveMQ has no counter " + name + "; its publish metrics: "
        + registry.getNames().stream().filter(n -> n.contains("publish")).toList());
  }
}
