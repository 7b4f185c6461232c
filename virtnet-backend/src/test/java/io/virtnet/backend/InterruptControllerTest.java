package io.virtnet.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The interrupt controller on a fake event loop: a FIFO of tasks run by hand, so a "turn" is
 * explicit. The fake session logs config publishes on the same loop, as the real one does.
 */
class InterruptControllerTest {
  /** The controller's loop: tasks queued from "other contexts" run when the test says so. */
  private static final class FakeLoop implements InterruptController.Loop {
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean running;

    @Override
    public boolean inLoop() {
      return running;
    }

    @Override
    public void execute(Runnable task) {
      tasks.add(task);
    }

    /** Runs {@code n} queued tasks (and nothing they queue beyond those). */
    void run(int n) {
      running = true;
      for (int i = 0; i < n && !tasks.isEmpty(); i++) {
        tasks.poll().run();
      }
      running = false;
    }

    void runAll() {
      running = true;
      while (!tasks.isEmpty()) {
        tasks.poll().run();
      }
      running = false;
    }
  }

  private final FakeLoop loop = new FakeLoop();
  /** What reached the broker, in order: "config vnX gN" and "irq cpuC [vnX gN, …]". */
  private final List<String> wire = new ArrayList<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final InterruptController controller = new InterruptController(loop, (cpu, irqs) -> wire.add("irq cpu" + cpu
      + " " + irqs.stream().map(i -> i.instance() + " g" + i.generation()).toList()), 3, registry);

  /** An instance on another context: hands its config to the session, then its IRQ to the controller. */
  private void writeAndRaise(String instance, int cpu, long generation) {
    loop.execute(() -> wire.add("config " + instance + " g" + generation));
    controller.raise(new InterruptController.Raised(cpu, 40, instance, 2, generation, null));
  }

  @Test
  void theIrqsOfOneTurnGoOutAsOneMessagePerCpu_inTheOrderRaised() {
    writeAndRaise("vn0", 2, 7);
    writeAndRaise("vn1", 3, 7);
    writeAndRaise("vn2", 2, 7);
    loop.runAll();
    assertThat(wire).containsExactly("config vn0 g7", "config vn1 g7", "config vn2 g7",
        "irq cpu2 [vn0 g7, vn2 g7]", "irq cpu3 [vn1 g7]");

    // the next turn is a new batch
    wire.clear();
    writeAndRaise("vn0", 2, 8);
    loop.runAll();
    assertThat(wire).containsExactly("config vn0 g8", "irq cpu2 [vn0 g8]");
    assertThat(controller.countersOf(2).irqs.get()).isEqualTo(3);
    assertThat(controller.countersOf(2).messages.get()).isEqualTo(2);
    assertThat(registry.find("vnet_backend_irq_messages").tag("cpu", "3").functionCounter().count()).isEqualTo(1);
  }

  @Test
  void neverListsAnIrqWhoseConfigWriteItHasNotSeen() {
    writeAndRaise("vn0", 2, 7);
    loop.run(2); // vn0's config and hand-off ran; the flush is queued
    // vn1 writes after the flush was queued: its IRQ must wait for the next message
    writeAndRaise("vn1", 2, 9);
    loop.runAll();
    assertThat(wire).containsExactly("config vn0 g7", "irq cpu2 [vn0 g7]", "config vn1 g9", "irq cpu2 [vn1 g9]");
    for (int i = 0; i < wire.size(); i++) {
      String line = wire.get(i);
      if (line.startsWith("irq")) {
        for (String listed : line.substring(line.indexOf('[') + 1, line.length() - 1).split(", ")) {
          assertThat(wire.subList(0, i)).as("config of %s before its irq message", listed).contains("config " + listed);
        }
      }
    }
  }

  @Test
  void aBatchLongerThanTheMessageLimitGoesOutAsSeveralMessages() {
    for (int i = 0; i < 7; i++) {
      writeAndRaise("vn" + i, 2, 1);
    }
    loop.runAll();
    assertThat(wire.stream().filter(l -> l.startsWith("irq"))).containsExactly(
        "irq cpu2 [vn0 g1, vn1 g1, vn2 g1]", "irq cpu2 [vn3 g1, vn4 g1, vn5 g1]", "irq cpu2 [vn6 g1]");
    controller.close();
    assertThat(registry.find("vnet_backend_irqs").functionCounters()).isEmpty();
  }
}
