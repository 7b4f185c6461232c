package io.virtnet.frontend;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.driver.DriverContext;
import io.virtnet.frontend.driver.DriverFactory;
import io.virtnet.frontend.driver.NetDriver;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.mqtt.Received;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One RTOS CPU: the drivers probed for the devices routed to it and its interrupt line
 * ({@code vnet/rtos/{cpu}/irq}), whose messages it dispatches to the driver of the named instance.
 * Devices reach it through {@link #attach}, {@link #ensure} and {@link #detach} (from the node's
 * device directory); an IRQ for an instance it has no driver for is rejected and reported to
 * {@code unknownDevice}, so that the node re-reads that device. Every driver runs on this verticle's
 * context.
 */
public final class RtosCpuVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(RtosCpuVerticle.class);

  private final DriverContext driverContext;
  private final DriverFactory factory;
  private final Counter irqCounter;
  private final Map<String, NetDriver> drivers = new LinkedHashMap<>();
  private final String irqTopic;
  private final Consumer<String> unknownDevice;

  private Runnable removeReconnectListener;
  private MqttSession.Subscription irqSubscription;
  private boolean stopped;
  private Future<?> stopFuture;

  /** A CPU whose drivers use {@code driverContext}; IRQs for instances it does not know go to {@code unknownDevice}. */
  public RtosCpuVerticle(DriverContext driverContext, DriverFactory factory, MeterRegistry registry,
      Consumer<String> unknownDevice) {
    this.driverContext = driverContext;
    this.factory = factory;
    this.unknownDevice = unknownDevice;
    this.irqTopic = driverContext.topics().rtosIrq(driverContext.cpu());
    this.irqCounter = Counter.builder("vnet_frontend_irqs")
        .description("Interrupts received on an RTOS CPU")
        .tag("cpu", Integer.toString(driverContext.cpu()))
        .register(registry);
  }

  public int cpu() {
    return driverContext.cpu();
  }

  /** Completes once the CPU's IRQ topic is subscribed. */
  @Override
  public Future<?> start() {
    MqttSession session = driverContext.session();
    removeReconnectListener = session.onReconnect(this::onReconnect);
    return session.subscribe(irqTopic, Codecs.IRQ, driverContext.rejections(), this::onIrq).onSuccess(s -> irqSubscription = s);
  }

  /** Removes every driver (unsubscribing and clearing their views) and the IRQ subscription; safe twice. */
  @Override
  public Future<?> stop() {
    if (stopFuture == null) {
      stopped = true;
      if (removeReconnectListener != null) {
        removeReconnectListener.run();
      }
      List<Future<Void>> all = new ArrayList<>();
      for (NetDriver d : drivers.values()) {
        all.add(d.remove());
      }
      drivers.clear();
      if (irqSubscription != null) {
        all.add(irqSubscription.unsubscribe());
      }
      stopFuture = Future.join(all).recover(e -> Future.succeededFuture());
    }
    return stopFuture;
  }

  /** Probes a driver for {@code device} (which must be routed to this CPU); a known instance is replaced. */
  public Future<Void> attach(DeviceInfo device) {
    return onOwnContext(() -> {
      if (device.cpu() != cpu()) {
        return Future.failedFuture(new IllegalArgumentException(device.instance() + " is routed to cpu "
            + device.cpu() + ", not " + cpu()));
      }
      NetDriver old = drivers.remove(device.instance());
      Future<Void> before = old == null ? Future.succeededFuture() : old.remove();
      return before.compose(v -> {
        if (stopped) {
          return Future.succeededFuture();
        }
        Optional<NetDriver> driver = factory.create(device, driverContext);
        if (driver.isEmpty()) {
          return Future.succeededFuture();
        }
        drivers.put(device.instance(), driver.get());
        return driver.get().probe();
      });
    });
  }

  /** Probes {@code device} unless a driver for it is already here; completes with whether it probed. */
  public Future<Boolean> ensure(DeviceInfo device) {
    return onOwnContext(() -> drivers.containsKey(device.instance()) || stopped
        ? Future.succeededFuture(false)
        : attach(device).map(true));
  }

  /** A message seen on the link topic of {@code instance} of this CPU: re-asserts the view if another client changed it. */
  public void observedLink(String instance, byte[] payload) {
    onOwnContext(() -> {
      if (!stopped) {
        driverContext.linkViews().observed(instance, payload);
      }
      return Future.succeededFuture();
    });
  }

  /**
   * The device of {@code instance} was published again unchanged while we were connected: its backend
   * (re)started and lost DRIVER_OK, so the driver declares its features again (no re-probe).
   */
  public Future<Void> redeclare(String instance) {
    return onOwnContext(() -> {
      NetDriver d = drivers.get(instance);
      if (d != null && !stopped) {
        d.onReconnect();
      }
      return Future.succeededFuture();
    });
  }

  /** Removes the driver of {@code instance}, if any (hot-unplug or the device moved away). */
  public Future<Void> detach(String instance) {
    return onOwnContext(() -> {
      NetDriver d = drivers.remove(instance);
      return d == null ? Future.succeededFuture() : d.remove();
    });
  }

  /** The drivers of this CPU as JSON (see {@link NetDriver#snapshot()}). */
  public Future<JsonObject> snapshot() {
    return onOwnContext(() -> {
      JsonArray list = new JsonArray();
      drivers.values().forEach(d -> list.add(d.snapshot()));
      return Future.succeededFuture(new JsonObject()
          .put("cpu", cpu())
          .put("irqs", (long) irqCounter.count())
          .put("drivers", list));
    });
  }

  private void onIrq(Received<IrqMessage> m) {
    if (stopped) {
      return;
    }
    for (IrqDispatch.Action a : IrqDispatch.route(m.value(), drivers::get, cpu())) {
      irqCounter.increment();
      if (a instanceof IrqDispatch.Handle h) {
        h.driver().handleIrq(h.irq());
      } else if (a instanceof IrqDispatch.Unknown u) {
        driverContext.rejections().reject(m.topic(), "unknown-irq", u.why());
        unknownDevice.accept(u.irq().instance()); // our device tree may be the one that is wrong: re-read it
      }
    }
  }

  private void onReconnect() {
    if (stopped) {
      return;
    }
    LOG.debug("cpu {}: reconnected; re-announcing {} driver(s)", cpu(), drivers.size());
    drivers.values().forEach(NetDriver::onReconnect);
  }

  /** Runs {@code action} on this verticle's context; the result is delivered on the caller's context. */
  private <T> Future<T> onOwnContext(Supplier<Future<T>> action) {
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("cpu verticle not deployed"));
    }
    return ContextCalls.call(context, action);
  }
}
