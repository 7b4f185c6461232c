package io.virtnet.backend;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's interrupt controllers, one per RTOS CPU: the config-change IRQs raised for a CPU in one
 * turn of the controller's loop leave as one {@code irq} message listing them in the order raised,
 * as one mailbox IPI carries every pending notification on an AMP SoC. It also holds the IRQ
 * routing (CPU → message) and the per-CPU IRQ counters.
 *
 * <p>Instances raise from their own contexts, each right after handing its config write to the
 * session. The controller runs on the session's context ({@link Loop}): a hand-off queued behind a
 * config publish runs after it, and the batch is sent by a task queued behind the first hand-off, so
 * every config a listed IRQ announces was published before the {@code irq} message, and no batch
 * reaches across a config write the controller has not seen. With one event loop (the launcher's
 * default on a 2-CPU board) the IRQs that one PHY change causes on every instance form one batch per
 * CPU; with several loops, instances on other loops may land in the next batch.
 */
final class InterruptController {
  /** One IRQ as raised by an instance: {@code irq} line of {@code instance} on {@code cpu}. */
  record Raised(int cpu, int irq, String instance, int isr, long generation, Instant phyTs) {}

  /** The loop the controller runs on. */
  interface Loop {
    /** True when called on the loop. */
    boolean inLoop();

    /** Runs {@code task} on the loop after every task queued before it. */
    void execute(Runnable task);
  }

  /** Sends one {@code irq} message for {@code cpu} listing {@code irqs} (1..{@link #maxPerMessage}). */
  interface Sink {
    void send(int cpu, List<Raised> irqs);
  }

  private final Loop loop;
  private final Sink sink;
  private final int maxPerMessage;
  /** cpu → IRQs raised since the last flush, in order; touched on the loop only. */
  private final Map<Integer, List<Raised>> pending = new TreeMap<>();
  private boolean flushQueued;
  private final Map<Integer, CpuCounters> counters = new ConcurrentHashMap<>();
  private final List<Meter> meters = new ArrayList<>();
  private final MeterRegistry registry;

  /** Per CPU: IRQs raised, {@code irq} messages sent (read by scrapes from any thread). */
  static final class CpuCounters {
    final AtomicLong irqs = new AtomicLong();
    final AtomicLong messages = new AtomicLong();
  }

  /**
   * @param maxPerMessage the most IRQs one message lists; a longer batch goes out as several
   * @param registry where {@code vnet_backend_irqs_total{cpu}} and {@code vnet_backend_irq_messages_total{cpu}}
   *     are registered; null for none
   */
  InterruptController(Loop loop, Sink sink, int maxPerMessage, MeterRegistry registry) {
    this.loop = loop;
    this.sink = sink;
    this.maxPerMessage = maxPerMessage;
    this.registry = registry;
  }

  /** From any context, after the config {@code irq} announces was handed to the session. */
  void raise(Raised irq) {
    if (loop.inLoop()) {
      add(irq);
    } else {
      loop.execute(() -> add(irq));
    }
  }

  private void add(Raised irq) {
    pending.computeIfAbsent(irq.cpu(), c -> new ArrayList<>()).add(irq);
    if (!flushQueued) {
      flushQueued = true;
      loop.execute(this::flush);
    }
  }

  private void flush() {
    flushQueued = false;
    for (Map.Entry<Integer, List<Raised>> e : pending.entrySet()) {
      List<Raised> irqs = e.getValue();
      CpuCounters c = countersOf(e.getKey());
      for (int from = 0; from < irqs.size(); from += maxPerMessage) {
        List<Raised> part = irqs.subList(from, Math.min(irqs.size(), from + maxPerMessage));
        c.irqs.addAndGet(part.size());
        c.messages.incrementAndGet();
        sink.send(e.getKey(), List.copyOf(part));
      }
    }
    pending.clear();
  }

  /** The counters of {@code cpu}, registered on first use. */
  CpuCounters countersOf(int cpu) {
    return counters.computeIfAbsent(cpu, k -> {
      CpuCounters c = new CpuCounters();
      if (registry != null) {
        String tag = Integer.toString(k);
        synchronized (meters) {
          meters.add(FunctionCounter.builder("vnet_backend_irqs", c.irqs, AtomicLong::doubleValue)
              .description("Config-change IRQs sent to an RTOS CPU").tag("cpu", tag).register(registry));
          meters.add(FunctionCounter.builder("vnet_backend_irq_messages", c.messages, AtomicLong::doubleValue)
              .description("irq messages sent to an RTOS CPU (each lists the IRQs of one turn)").tag("cpu", tag)
              .register(registry));
        }
      }
      return c;
    });
  }

  /** {@code {"cpu":{"irqs":n,"messages":m},…}} for the API. */
  Map<Integer, long[]> snapshot() {
    Map<Integer, long[]> out = new TreeMap<>();
    counters.forEach((cpu, c) -> out.put(cpu, new long[] {c.irqs.get(), c.messages.get()}));
    return out;
  }

  /** Unregisters the meters. */
  void close() {
    if (registry != null) {
      synchronized (meters) {
        meters.forEach(registry::remove);
        meters.clear();
      }
    }
  }
}
