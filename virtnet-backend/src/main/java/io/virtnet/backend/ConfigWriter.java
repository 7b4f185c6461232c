package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.mqtt.MqttSession;
import java.time.Instant;

/**
 * Writes one instance's {@code virtio_net_config}: the whole structure with a bumped generation in
 * one retained message, then (when asked) the config-change IRQ announcing that generation. The
 * generation is {@code max(generation + 1, now_ms mod 2^32)}, so a restarted backend continues above
 * what frontends saw.
 */
final class ConfigWriter {
  private final MqttSession session;
  private final String configTopic;
  private final String irqTopic;
  private final String instance;
  private final int irq;
  private VirtioNetConfig current;
  private long generation;
  private boolean written;

  ConfigWriter(MqttSession session, String configTopic, String irqTopic, String instance, int irq) {
    this.session = session;
    this.configTopic = configTopic;
    this.irqTopic = irqTopic;
    this.instance = instance;
    this.irq = irq;
  }

  /** The config last written, null before the first write. */
  VirtioNetConfig current() {
    return current;
  }

  long generation() {
    return generation;
  }

  /** Writes {@code config} under a new generation; then raises the IRQ when {@code raiseIrq}. */
  Future<Void> write(VirtioNetConfig config, boolean raiseIrq, Instant phyTs) {
    long now = System.currentTimeMillis() & 0xFFFF_FFFFL;
    long next = (generation + 1) & 0xFFFF_FFFFL;
    // serial-number max; the first write has nothing to compare with and starts from the clock
    generation = !written || VirtioNetConfig.generationAtOrAfter(now, next) ? now : next;
    written = true;
    current = config;
    Future<Void> published = session.publish(configTopic, Buffer.buffer(config.encodeWire(generation)), true);
    if (raiseIrq) {
      // same session, so the broker receives it after the config
      session.publish(irqTopic, new IrqMessage(irq, instance, VirtioNetConfig.ISR_CONFIG, generation,
          Instant.now(), phyTs).encode(), false);
    }
    return published;
  }

  /** Clears the retained config (hot-unplug). */
  Future<Void> clear() {
    current = null;
    return session.publish(configTopic, Buffer.buffer(), true);
  }
}
