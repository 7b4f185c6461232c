package io.virtnet.injector.chaos;

import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCmd;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.PhyCommand;
import io.virtnet.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Injects one {@link Fault}: MQTT lies and storms through the {@link RetainedObserver}'s client, process
 * and broker faults through the {@link ServiceSet} and the {@link ChaosBroker} (either may be null
 * when the soak does not run them; the schedule then holds no such fault).
 */
final class FaultActions {
  private static final byte[] EMPTY = new byte[0];
  private static final byte[] FORGED_FEATURES = "{\"driverFeatures\":[\"STATUS\"]}".getBytes(StandardCharsets.UTF_8);

  private final StackModel stack;
  private final RetainedObserver mqtt;
  private final ServiceSet services;
  private final ChaosBroker broker;
  private final Runnable beforeBackendKill;

  FaultActions(StackModel stack, RetainedObserver mqtt, ServiceSet services, ChaosBroker broker, Runnable beforeBackendKill) {
    this.stack = stack;
    this.mqtt = mqtt;
    this.services = services;
    this.broker = broker;
    this.beforeBackendKill = beforeBackendKill;
  }

  /** Injects {@code f}; publishes are awaited briefly (a broker that is away loses them, which is chaos too). */
  void inject(Fault f) {
    Topics t = stack.topics();
    List<CompletableFuture<Void>> sent = new ArrayList<>();
    switch (f.kind()) {
      case FLAP_STORM -> {
        for (int i = 0; i < f.amount() * 2; i++) {
          sent.add(mqtt.publish(t.phyCmd(stack.agent(), f.target()), carrier(i % 2 == 1), false));
        }
      }
      case EMPTY_DEVICE -> {
        sent.add(mqtt.publish(t.virtioDevice(f.target()), EMPTY, false));
        sent.add(mqtt.publish(t.virtioDevice(f.target()), EMPTY, true));
      }
      case EMPTY_STATE -> {
        sent.add(mqtt.publish(t.phyState(stack.agent(), f.target()), EMPTY, false));
        sent.add(mqtt.publish(t.phyState(stack.agent(), f.target()), EMPTY, true));
      }
      case FORGED_DRIVER_FEATURES -> sent.add(mqtt.publish(t.virtioCtrl(f.target()), FORGED_FEATURES, false));
      case STALE_EVENTS -> staleEvents(f.target()).forEach(p -> sent.add(mqtt.publish(t.phyEvent(stack.agent(), f.target()), p, false)));
      case CLEARED_REF -> sent.add(mqtt.publish(t.phyRef(stack.agent(), instance(f.target()).phy(), f.target()), EMPTY, true));
      case CLEARED_LINK -> sent.add(mqtt.publish(t.rtosLink(instance(f.target()).cpu(), f.target()), EMPTY, true));
      case KILL_AGENT, KILL_BACKEND, KILL_FRONTEND -> {
        Service s = Service.killedBy(f.kind());
        if (s == Service.BACKEND) {
          beforeBackendKill.run();
        }
        services.killAndRestart(s);
      }
      case KILL_BROKER -> broker.killAndRestart(false);
      case BROKER_EMPTY_STORE -> broker.killAndRestart(true);
    }
    try {
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      // a publish refused or lost while the broker was away: the fault still happened as far as it could
    }
  }

  /** The carrier commands that leave each PHY as {@code carriers} says (idempotent on the sim PHY). */
  void command(Map<String, Boolean> carriers) {
    carriers.forEach((phy, on) -> mqtt.publish(stack.topics().phyCmd(stack.agent(), phy), carrier(on), false));
  }

  private static byte[] carrier(boolean on) {
    return Codecs.PHY_COMMAND.encode(PhyCommand.of(PhyCommand.Op.CARRIER, on));
  }

  /**
   * Three events claiming the opposite carrier, none newer than the retained state: one with its
   * {@code seq} (a duplicate), then two older ones in descending order (stale and reordered). Every
   * receiver must drop them all. None when the retained state is not known right now.
   */
  private List<byte[]> staleEvents(String phy) {
    byte[] p = mqtt.snapshot().get(stack.topics().phyState(stack.agent(), phy));
    if (p == null || p.length == 0) {
      return List.of();
    }
    NetdevState s;
    try {
      s = Codecs.NETDEV_STATE.decode(p);
    } catch (InvalidMessageException e) {
      return List.of();
    }
    NetdevState lie = s.withCarrier(!s.carrier());
    List<byte[]> out = new ArrayList<>();
    for (long seq : new long[] {s.seq(), s.seq() - 1, s.seq() - 2}) {
      if (seq > 0) {
        out.add(Codecs.NETDEV_EVENT.encode(new NetdevEvent(NetdevCmd.NETDEV_CHANGE, seq, lie.withSeq(seq, s.ts()), null)));
      }
    }
    return out;
  }

  private StackModel.Instance instance(String name) {
    return stack.instances().stream().filter(i -> i.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no instance " + name));
  }

  static Duration since(long t0) {
    return Duration.ofNanos(System.nanoTime() - t0);
  }
}
