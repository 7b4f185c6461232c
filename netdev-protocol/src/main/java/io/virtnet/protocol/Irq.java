package io.virtnet.protocol;

import java.time.Instant;

/**
 * One config-change interrupt listed in an {@link IrqMessage}: the RTOS {@code irq} line of the
 * device {@code instance}, its ISR bits and the config {@code generation} it announces. {@code phyTs}
 * (may be null) is the time of the PHY change that caused it, so that the frontend can measure
 * end-to-end latency.
 */
public record Irq(int irq, String instance, int isr, long generation, Instant phyTs) {
  public Irq {
    Names.requireInstance(instance);
    if (irq < 0 || irq > 65535 || isr < 0 || isr > 0xFF || generation < 0 || generation > 0xFFFF_FFFFL) {
      throw InvalidMessageException.of("out-of-range", "irq, isr or generation out of range");
    }
  }
}
