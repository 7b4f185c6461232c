package io.virtnet.benchmarks.e2e;

import io.virtnet.injector.BrokerSettings;
import io.virtnet.injector.InjectorClient;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.PhyCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The bare broker: the same carrier commands through the same broker over the same number of hops,
 * with nothing but republishing in between. Three trivial subscribers relay {@code {root}/h0/{phy}} →
 * {@code h1/{phy}} → {@code h2/{instance}} (fanned out to every instance watching the PHY, as the
 * backend fans out) → {@code h3/{instance}}, where a final subscriber observes. Messages of one topic
 * keep their order, so the n-th message an instance receives is its PHY's n-th command.
 *
 * <p>With {@code configWrites}, the fan-out hop also publishes, before each relayed message, a retained
 * copy on {@code {root}/cfg/{instance}} that nobody subscribes: the contract's retained config write
 * before each IRQ, so the broker handles as many messages in that burst as in ours. A control
 * experiment: it shows how much of the ratio is the contract's message count rather than our code.
 */
public final class BareRelay implements AutoCloseable {
  /** The help of the bench command lines' {@code --bare-config-writes}. */
  public static final String CONFIG_WRITES_HELP = "control experiment: the bare relay's fan-out hop also writes a "
      + "retained message per instance, as many messages as the contract's config + IRQ";

  private final String root;
  private final List<InjectorClient> clients = new ArrayList<>();
  private final InjectorClient publisher;
  private final String[] h0;
  private final String[] h1;
  private final String[] h2;
  private final String[] h3;
  private final String[] cfg;
  private final byte[] on = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, true));
  private final byte[] off = Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, false));
  private final int[] received;
  private volatile FlapRun run;
  private final ObserverThread observerThread = new ObserverThread("bench-observer-bare");

  /** Connects the publisher, the three relays and the observer, and subscribes them. */
  public BareRelay(BenchScenario scenario, BrokerSettings broker, String root, boolean configWrites) {
    this.root = root;
    int phys = scenario.phys();
    int inst = scenario.instances();
    h0 = new String[phys];
    h1 = new String[phys];
    h2 = new String[inst];
    h3 = new String[inst];
    cfg = configWrites ? new String[inst] : null;
    for (int p = 0; p < phys; p++) {
      h0[p] = root + "/h0/" + p;
      h1[p] = root + "/h1/" + p;
    }
    for (int i = 0; i < inst; i++) {
      h2[i] = root + "/h2/" + i;
      h3[i] = root + "/h3/" + i;
      if (cfg != null) {
        cfg[i] = root + "/cfg/" + i;
      }
    }
    received = new int[inst];
    Duration t = InjectorClient.CONNECT_TIMEOUT;
    publisher = connect(broker, t);
    InjectorClient relay1 = connect(broker, t);
    InjectorClient relay2 = connect(broker, t);
    InjectorClient relay3 = connect(broker, t);
    InjectorClient observer = connect(broker, t);
    Duration ack = Duration.ofSeconds(30);
    InjectorClient.join(observer.subscribe(root + "/h3/+", observerThread.handOff(this::observed)), ack);
    InjectorClient.join(relay3.subscribe(root + "/h2/+", m -> relay3.publish(h3[last(m.topic())], m.payload(), false)), ack);
    InjectorClient.join(relay2.subscribe(root + "/h1/+", m -> {
      int p = last(m.topic());
      for (int i = p; i < inst; i += phys) {
        if (cfg != null) {
          relay2.publish(cfg[i], m.payload(), true);
        }
        relay2.publish(h2[i], m.payload(), false);
      }
    }), ack);
    InjectorClient.join(relay1.subscribe(root + "/h0/+", m -> relay1.publish(h1[last(m.topic())], m.payload(), false)), ack);
  }

  private InjectorClient connect(BrokerSettings broker, Duration t) {
    InjectorClient c = InjectorClient.connectBlocking(broker, t);
    clients.add(c);
    return c;
  }

  private static int last(String topic) {
    int n = 0;
    for (int i = topic.lastIndexOf('/') + 1; i < topic.length(); i++) {
      n = n * 10 + (topic.charAt(i) - '0');
    }
    return n;
  }

  private void observed(InjectorClient.Message m) {
    int i = last(m.topic());
    int k;
    FlapRun r;
    synchronized (received) {
      k = received[i]++;
      r = run;
    }
    if (r != null) {
      r.delivered(i, k, m.receivedNanos(), Arrays.equals(m.payload(), on));
    }
  }

  /**
   * Runs the flaps of {@code round} (this relay's PHYs and instances, its own times) through the relay
   * chain; {@code jitWarmup} as in {@link FlapRun}. The relay is reused across rounds, as the stack's
   * clients are.
   */
  public FlapRun.Measurement run(BenchScenario round, Duration settle, boolean jitWarmup) {
    FlapRun r = new FlapRun(round, (p, k, value) -> publisher.publish(h0[p], value ? on : off, false), jitWarmup);
    synchronized (received) {
      Arrays.fill(received, 0); // the previous round settled: nothing of it is in flight
      run = r;
    }
    try {
      return r.run(settle.toNanos());
    } finally {
      run = null;
    }
  }

  public String root() {
    return root;
  }

  /** True when the fan-out hop also writes a retained copy per instance (see the class comment). */
  public boolean configWrites() {
    return cfg != null;
  }

  @Override
  public void close() {
    clients.forEach(InjectorClient::close);
    observerThread.close();
  }
}
