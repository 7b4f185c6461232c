package io.virtnet.frontend;

import io.virtnet.frontend.driver.NetDriver;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * How one RTOS CPU routes the interrupts of one {@code irq} message, as a CPU takes the pending set
 * of one mailbox IPI: every listed IRQ in order (contract 1's single form is a list of one), each to
 * the driver of the instance it names if that driver's device uses that irq line; any other is
 * unknown (the CPU then refuses it and has its devices re-read). Pure logic.
 */
final class IrqDispatch {
  private IrqDispatch() {}

  /** What to do with one listed IRQ. */
  sealed interface Action {}

  /** Hand {@code irq} to {@code driver}. */
  record Handle(NetDriver driver, Irq irq) implements Action {}

  /** No driver here takes {@code irq}; {@code why} for the log line. */
  record Unknown(Irq irq, String why) implements Action {}

  /** The actions for {@code message} on {@code cpu}, in the order of its list. */
  static List<Action> route(IrqMessage message, Function<String, NetDriver> driverOf, int cpu) {
    List<Action> actions = new ArrayList<>(message.irqs().size());
    for (Irq irq : message.irqs()) {
      NetDriver d = driverOf.apply(irq.instance());
      if (d == null) {
        actions.add(new Unknown(irq, "irq " + irq.irq() + " for " + irq.instance() + ", which has no driver on cpu " + cpu));
      } else if (d.device().irq() != irq.irq()) {
        actions.add(new Unknown(irq, "irq " + irq.irq() + " for " + irq.instance() + ", whose device uses irq "
            + d.device().irq()));
      } else {
        actions.add(new Handle(d, irq));
      }
    }
    return actions;
  }
}
