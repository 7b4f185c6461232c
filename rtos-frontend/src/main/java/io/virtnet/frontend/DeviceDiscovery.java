package io.virtnet.frontend;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.virtnet.frontend.DeviceDirectory.Ensure;
import io.virtnet.frontend.DeviceDirectory.Probe;
import io.virtnet.frontend.DeviceDirectory.Redeclare;
import io.virtnet.frontend.DeviceDirectory.Remove;
import io.virtnet.frontend.DeviceDirectory.Reread;
import io.virtnet.frontend.DeviceDirectory.Step;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.TopicName;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.Received;
import io.virtnet.runtime.mqtt.TypedSubscriber;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the {@link DeviceDirectory} to MQTT and the CPU verticles: decodes each message on
 * {@code vnet/virtio/+/device}, carries the directory's steps out on the CPU each names (the steps
 * for one instance chained, so a device moving between two CPUs of this node is removed before it is
 * probed again), and re-reads a device's retained topic when asked, with a one-shot subscription: a
 * retained device arriving answers at once; none within {@link #REREAD_WINDOW_MS} after the broker
 * acknowledged the subscription means the store holds none. Runs on the node verticle's context.
 */
final class DeviceDiscovery {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceDiscovery.class);
  /** How long after SUBACK a retained device may take to arrive (brokers send it right after). */
  static final long REREAD_WINDOW_MS = 500;

  private final Vertx vertx;
  private final Context context;
  private final MqttSession session;
  private final Topics topics;
  private final Map<Integer, RtosCpuVerticle> cpus;
  private final Rejections rejections;
  private final Repairs repairs;
  private final DeviceDirectory directory;
  private final Map<String, Future<Void>> tails = new HashMap<>();

  /** Discovery for the CPUs in {@code cpus} (filled by the caller before {@link #start()}). */
  DeviceDiscovery(Vertx vertx, MqttSession session, Topics topics, Map<Integer, RtosCpuVerticle> cpus,
      Set<Integer> served, Rejections rejections, Repairs repairs) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.session = session;
    this.topics = topics;
    this.cpus = cpus;
    this.rejections = rejections;
    this.repairs = repairs;
    this.directory = new DeviceDirectory(served, System::currentTimeMillis);
  }

  /** Subscribes every device topic; completes once subscribed. */
  Future<MqttSession.Subscription> start() {
    TypedSubscriber<DeviceInfo> devices = TypedSubscriber.orGone(Codecs.DEVICE, rejections,
        r -> {
          String instance = instanceOf(r.topic());
          run(directory.onDevice(instance, sameInstance(instance, r.value()), r.retained()));
        },
        g -> run(directory.onDevice(instanceOf(g.topic()), null, g.retained())));
    // the topic first, so that a bad instance name is what is counted, whatever the payload
    return session.subscribe(topics.allDevices(), m -> {
      if (instanceOf(m.topic()) != null) {
        devices.handle(m);
      }
    });
  }

  /** A CPU got an IRQ for {@code instance}, which it has no driver for: re-read that device. */
  void unknownIrq(String instance) {
    ContextCalls.call(context, () -> {
      run(directory.onUnknownIrq(instance));
      return Future.succeededFuture();
    });
  }

  /** Fault hook for tests: the node forgets {@code instance} and removes its driver, as if a message were lost. */
  Future<Void> lose(String instance) {
    return ContextCalls.call(context, () -> {
      run(directory.lose(instance));
      return tails.getOrDefault(instance, Future.succeededFuture());
    });
  }

  private String instanceOf(String topic) {
    try {
      return topics.parse(topic) instanceof TopicName.VirtioDevice t ? t.instance() : null;
    } catch (InvalidMessageException e) {
      rejections.reject(topic, e);
      return null;
    }
  }

  /** {@code device}, if it names {@code instance}, the instance of its topic; throws if not. */
  private static DeviceInfo sameInstance(String instance, DeviceInfo device) {
    if (!device.instance().equals(instance)) {
      throw InvalidMessageException.of("instance-mismatch",
          "device names instance '" + device.instance() + "' on the topic of '" + instance + "'");
    }
    return device;
  }

  private void run(List<Step> steps) {
    for (Step s : steps) {
      if (s instanceof Reread r) {
        reread(r.instance());
      } else if (s instanceof Probe p) {
        onCpu(p.cpu(), p.device().instance(), cpu -> cpu.attach(p.device()));
      } else if (s instanceof Ensure e) {
        onCpu(e.cpu(), e.device().instance(), cpu -> cpu.ensure(e.device()).map(probed -> {
          if (probed) {
            repairs.repaired(Repairs.DEVICE_REREAD, e.device().instance() + ": probed again after an IRQ for it");
          }
          return null;
        }));
      } else if (s instanceof Remove r) {
        onCpu(r.cpu(), r.instance(), cpu -> cpu.detach(r.instance()));
      } else if (s instanceof Redeclare r) {
        onCpu(r.cpu(), r.instance(), cpu -> cpu.redeclare(r.instance()));
      }
    }
  }

  private void onCpu(int cpuNumber, String instance, Function<RtosCpuVerticle, Future<Void>> step) {
    RtosCpuVerticle cpu = cpus.get(cpuNumber);
    if (cpu != null) {
      chain(instance, () -> step.apply(cpu));
    }
  }

  /** Re-reads the retained device of {@code instance} with a one-shot subscription. */
  private void reread(String instance) {
    new OneShotRead(instance).start();
  }

  /** One re-read: the first valid retained device answers; none by the end of the window means none. */
  private final class OneShotRead {
    private final String instance;
    private DeviceInfo found;
    private boolean done;
    private MqttSession.Subscription subscription;
    /**
     * What the store holds, if it is a device of this instance: anything else is no device. Not
     * counted: the main subscription saw the same message and counted it.
     */
    private final TypedSubscriber<DeviceInfo> stored = TypedSubscriber.orGone(Codecs.DEVICE,
        TypedSubscriber.Refusals.UNCOUNTED, this::onStored, gone -> { });

    OneShotRead(String instance) {
      this.instance = instance;
    }

    void start() {
      session.subscribe(topics.virtioDevice(instance), this::onMessage)
          .onSuccess(s -> {
            subscription = s;
            if (done) {
              s.unsubscribe();
            } else {
              vertx.setTimer(REREAD_WINDOW_MS, t -> finish());
            }
          })
          .onFailure(e -> {
            LOG.debug("re-read of {} failed: {}", instance, e.getMessage());
            done = true;
            directory.onRereadFailed(instance);
          });
    }

    private void onMessage(InboundMessage m) {
      if (!m.retained() || done) {
        return; // live messages reach the main subscription too
      }
      stored.handle(m);
    }

    private void onStored(Received<DeviceInfo> r) {
      found = sameInstance(instance, r.value());
      finish();
    }

    private void finish() {
      if (done) {
        return;
      }
      done = true;
      if (subscription != null) {
        subscription.unsubscribe();
      }
      DeviceDirectory.Outcome o = directory.onReread(instance, found);
      if (o.repair() != null) {
        repairs.repaired(o.repair(), instance + ": the retained store says "
            + (found == null ? "gone" : "cpu " + found.cpu() + ", irq " + found.irq()));
      }
      run(o.steps());
    }
  }

  /** Runs {@code step} after the earlier steps of {@code instance}, whether they succeeded or not. */
  private void chain(String instance, Supplier<Future<Void>> step) {
    Future<Void> prev = tails.getOrDefault(instance, Future.succeededFuture());
    Future<Void> next = prev.<Void>transform(ar -> Future.succeededFuture())
        .compose(v -> step.get())
        .onFailure(e -> LOG.warn("device {}: {}", instance, e.getMessage()));
    tails.put(instance, next);
    next.onComplete(ar -> tails.remove(instance, next));
  }
}
