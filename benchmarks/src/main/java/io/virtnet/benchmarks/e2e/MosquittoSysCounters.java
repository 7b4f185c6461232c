package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Mosquitto's own PUBLISH counters, from its {@code $SYS/broker/publish/messages/received|sent}
 * topics. Mosquitto publishes them once per {@code sys_interval}, and only when they changed; since
 * their own delivery to this client changes {@code sent}, one arrives every interval, which is how
 * {@link #read} knows a value is fresh. Those deliveries (two per interval) are counted in {@code sent}.
 */
public final class MosquittoSysCounters implements BrokerCounters {
  static final String IN = "$SYS/broker/publish/messages/received";
  static final String OUT = "$SYS/broker/publish/messages/sent";
  /** A $SYS message that arrives this long after a read started was computed after it started. */
  private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final InjectorClient client;
  private final Duration interval;
  private volatile long in = -1;
  private volatile long out = -1;
  private volatile long outReceivedNanos;

  /** Subscribes to the counters of the broker at {@code broker}, which publishes them every {@code interval}. */
  public MosquittoSysCounters(BrokerSettings broker, Duration interval) {
    this.interval = interval;
    this.client = InjectorClient.connectBlocking(broker, InjectorClient.CONNECT_TIMEOUT);
    InjectorClient.join(client.subscribe("$SYS/broker/publish/messages/+", m -> {
      long v = Long.parseLong(m.text().trim());
      if (m.topic().equals(IN)) {
        in = v;
      } else if (m.topic().equals(OUT)) {
        out = v;
        outReceivedNanos = m.receivedNanos();
      }
    }), Duration.ofSeconds(10));
  }

  @Override
  public Counts read() {
    long asked = System.nanoTime();
    long deadline = asked + interval.multipliedBy(3).toNanos();
    while (outReceivedNanos - asked < FRESH_NANOS || in < 0) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Mosquitto published no " + OUT + " within " + interval.multipliedBy(3)
            + " (is sys_interval set?)");
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
    }
    // "received" of the same tick is published next to "sent"
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    return new Counts(in, out);
  }

  @Override
  public String source() {
    return "Mosquitto " + IN + ", " + OUT + " (sys_interval " + interval.toSeconds() + " s)";
  }

  @Override
  public void close() {
    client.close();
  }
}
