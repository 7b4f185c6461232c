package io.virtnet.frontend;

import static io.virtnet.frontend.FakeBackend.device;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.driver.NetDriver;
import io.virtnet.frontend.driver.VirtioTransport;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.IrqMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The CPU's IRQ routing, without a broker: a listed message is handled in order, item by item. */
class IrqDispatchTest {
  /** A driver that only has a device: routing reads nothing else. */
  private record DeviceOnly(DeviceInfo device) implements NetDriver {
    @Override
    public VirtioTransport transport() {
      throw new UnsupportedOperationException();
    }

    @Override
    public Future<Void> probe() {
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> remove() {
      return Future.succeededFuture();
    }

    @Override
    public JsonObject snapshot() {
      return new JsonObject();
    }
  }

  private final NetDriver a = new DeviceOnly(device("virtio-net0", 2, 42));
  private final NetDriver b = new DeviceOnly(device("virtio-net1", 2, 43));
  private final Map<String, NetDriver> drivers = Map.of("virtio-net0", a, "virtio-net1", b);

  private static Irq irq(int line, String instance, long generation) {
    return new Irq(line, instance, 2, generation, null);
  }

  @Test
  void aListForTwoDevices_isRoutedInItsOrder() {
    Irq first = irq(43, "virtio-net1", 7);
    Irq second = irq(42, "virtio-net0", 9);
    Irq third = irq(43, "virtio-net1", 8);

    List<IrqDispatch.Action> actions = IrqDispatch.route(new IrqMessage(List.of(first, second, third), Instant.now()),
        drivers::get, 2);

    assertThat(actions).containsExactly(new IrqDispatch.Handle(b, first), new IrqDispatch.Handle(a, second),
        new IrqDispatch.Handle(b, third));
  }

  @Test
  void theSingleForm_isAListOfOne() {
    IrqMessage single = new IrqMessage(42, "virtio-net0", 2, 5, Instant.now(), null);

    assertThat(IrqDispatch.route(single, drivers::get, 2)).containsExactly(new IrqDispatch.Handle(a, single.irqs().get(0)));
  }

  @Test
  void unknownInstancesAndWrongLines_areUnknown_withoutStoppingTheRestOfTheList() {
    Irq stranger = irq(49, "virtio-net9", 1);
    Irq wrongLine = irq(99, "virtio-net0", 2);
    Irq good = irq(43, "virtio-net1", 3);

    List<IrqDispatch.Action> actions = IrqDispatch.route(new IrqMessage(List.of(stranger, wrongLine, good), Instant.now()),
        drivers::get, 2);

    assertThat(actions).hasSize(3);
    assertThat(actions.get(0)).isEqualTo(new IrqDispatch.Unknown(stranger, "irq 49 for virtio-net9, which has no driver on cpu 2"));
    assertThat(actions.get(1)).isEqualTo(new IrqDispatch.Unknown(wrongLine, "irq 99 for virtio-net0, whose device uses irq 42"));
    assertThat(actions.get(2)).isEqualTo(new IrqDispatch.Handle(b, good));
  }
}
