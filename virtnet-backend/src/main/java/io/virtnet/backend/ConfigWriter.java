package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one instance's {@link VirtioNetDevice} writes: the whole {@code virtio_net_config}
 * with its generation in one retained message, then (when asked) the config-change IRQ announcing
 * that generation, handed to the CPU's {@link InterruptController}, which sends it after the config.
 * Notes the status edges on the timeline.
 */
final class ConfigWriter implements VirtioNetDevice.Effects {
  private static final Logger LOG = LoggerFactory.getLogger(ConfigWriter.class);

  private final BiFunction<String, Buffer, Future<Void>> publisher;
  private final String configTopic;
  private final InterruptController interrupts;
  private final int cpu;
  private final String instance;
  private final int irq;
  private final Supplier<Instant> phyTs;
  private final Timeline timeline;
  private final Runnable changed;
  private VirtioNetConfig previous;
  private Future<Void> lastPublish = Future.succeededFuture();

  /**
   * @param phyTs the time of the PHY change the config reflects (carried by the IRQ)
   * @param changed told after every write
   */
  ConfigWriter(BiFunction<String, Buffer, Future<Void>> publisher, String configTopic, InterruptController interrupts, int cpu, String instance,
      int irq, Supplier<Instant> phyTs, Timeline timeline, Runnable changed) {
    this.publisher = publisher;
    this.configTopic = configTopic;
    this.interrupts = interrupts;
    this.cpu = cpu;
    this.instance = instance;
    this.irq = irq;
    this.phyTs = phyTs;
    this.timeline = timeline;
    this.changed = changed;
  }

  @Override
  public void write(VirtioNetConfig config, long generation, boolean raiseIrq) {
    lastPublish = publisher.apply(configTopic, Buffer.buffer(config.encodeWire(generation)));
    if (raiseIrq) {
      // handed over after the config publish: the controller sends it after the config (see there)
      interrupts.raise(new InterruptController.Raised(cpu, irq, instance, VirtioNetConfig.ISR_CONFIG, generation,
          phyTs.get()));
    }
    LOG.debug("{}: config generation {} {}{}", instance, generation, config, raiseIrq ? " + IRQ" : "");
    if (previous != null && previous.linkUp() != config.linkUp()) {
      timeline.record(instance, "LINK_UP " + (config.linkUp() ? "set" : "cleared"), config.linkUp() ? "up" : "down",
          null, "config generation " + generation);
    }
    if (previous != null && !previous.announce() && config.announce()) {
      timeline.record(instance, "ANNOUNCE set", "up");
    }
    previous = config;
    changed.run();
  }

  /** The publish of the last config written; completes when the broker has it. */
  Future<Void> lastPublish() {
    return lastPublish;
  }

  /** Clears the retained config (hot-unplug). */
  Future<Void> clear() {
    return publisher.apply(configTopic, Buffer.buffer());
  }
}
