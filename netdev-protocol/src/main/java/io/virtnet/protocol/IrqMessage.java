package io.virtnet.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One message on {@code vnet/rtos/{cpu}/irq}: the interrupts raised for one RTOS CPU in one backend
 * turn, in the order they are to be handled, as one mailbox IPI carries every pending notification
 * (docs/contract.md §3). {@code ts} is when the message was sent.
 */
public record IrqMessage(List<Irq> irqs, Instant ts) {
  /** The most IRQs one message lists; a sender with more for one CPU sends several messages. */
  public static final int MAX_IRQS = 256;
  /**
   * The IRQ topic's size cap: {@link #MAX_IRQS} entries of at most ~150 bytes each (every other
   * message keeps {@link Codecs#MAX_PAYLOAD_BYTES}).
   */
  public static final int MAX_PAYLOAD_BYTES = 40_960;

  public IrqMessage {
    irqs = List.copyOf(irqs);
    Objects.requireNonNull(ts, "ts");
    if (irqs.isEmpty() || irqs.size() > MAX_IRQS) {
      throw InvalidMessageException.of("out-of-range", "an irq message lists 1.." + MAX_IRQS + " irqs, not " + irqs.size());
    }
  }

  /** A message carrying one interrupt. */
  public IrqMessage(int irq, String instance, int isr, long generation, Instant ts, Instant phyTs) {
    this(List.of(new Irq(irq, instance, isr, generation, phyTs)), ts);
  }
}
