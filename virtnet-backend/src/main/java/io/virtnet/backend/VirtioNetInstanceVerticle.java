package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.backend.policy.PolicyClock;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtio-net instance, as wiring: its own "netdevice notifier" (subscriptions to its PHY's state
 * and events, its agent's status and its driver's ctrl messages) feeding three models that do no I/O
 * — {@link InstanceLink} (binding, desired link), {@link LinkPolicy} (what to report when) and
 * {@link VirtioNetDevice} (negotiation, status bits, config, generation) — and their effects: the
 * reference on the PHY ({@link RefHolder}) and the config and IRQ ({@link ConfigWriter}). All state
 * lives on this verticle's context.
 */
public final class VirtioNetInstanceVerticle extends VerticleBase {
  static final long CHANGE_EVENT_COALESCE_MS = 200;
  private static final Logger LOG = LoggerFactory.getLogger(VirtioNetInstanceVerticle.class);

  private final InstanceConfig cfg;
  private final InstanceEnv env;
  private final InstanceCounters counters = new InstanceCounters();
  private final List<MqttSession.Subscription> subscriptions = new ArrayList<>();

  private String deviceTopic;
  private LinkPolicy policy;
  private InstanceLink link;
  private VirtioNetDevice device;
  private RefHolder ref;
  private ConfigWriter writer;
  private CoalescedChange changes;
  private Runnable removeReconnectListener;
  private boolean started;
  private boolean stopped;
  private Future<Void> stopFuture;

  public VirtioNetInstanceVerticle(InstanceConfig cfg, InstanceEnv env) {
    this.cfg = cfg;
    this.env = env;
  }

  public InstanceConfig instanceConfig() {
    return cfg;
  }

  public String name() {
    return cfg.name();
  }

  @Override
  public Future<?> start() {
    Topics t = env.topics();
    MqttSession session = env.session();
    deviceTopic = t.virtioDevice(cfg.name());
    ref = new RefHolder(session, t.phyRef(cfg.agent(), cfg.phy(), cfg.name()), cfg.name(), env.node());
    PhyBinding binding = new PhyBinding(cfg, env, ref, counters, this::changed);
    writer = new ConfigWriter(session, t.virtioConfig(cfg.name()), t.rtosIrq(cfg.cpu()), cfg.name(), cfg.irq(),
        binding::lastPhyTs, env.timeline(), this::changed);
    policy = new LinkPolicy(cfg.policy(), PolicyClock.of(vertx), (up, changed) -> device.report(up, changed));
    link = new InstanceLink(cfg.name(), cfg.agent(), cfg.phy(), cfg.carrierNotify(), env.onAgentLoss(), policy,
        binding);
    device = new VirtioNetDevice(cfg, System::currentTimeMillis, new VirtioNetDevice.Link() {
      @Override
      public boolean reportedUp() {
        return policy.reportedUp();
      }

      @Override
      public NetdevState followed() {
        return link.followed();
      }
    }, writer, counters);
    binding.attach(policy, device);
    changes = new CoalescedChange(vertx, CHANGE_EVENT_COALESCE_MS, env.events()::listened,
        () -> env.events().publish("instance", this::snapshotNow));
    counters.register(env.registry(), cfg.name(), policy);
    removeReconnectListener = session.onReconnect(this::onReconnect);

    // probe: config first (the driver reads it when it finds the device), then the device
    device.probe();
    Future<Void> configPublished = writer.lastPublish();
    List<Future<?>> subscribed = new ArrayList<>();
    subscribed.add(subscribe(t.phyState(cfg.agent(), cfg.phy()), this::onState));
    subscribed.add(subscribe(t.phyEvent(cfg.agent(), cfg.phy()), this::onEvent));
    subscribed.add(subscribe(t.phyStatus(cfg.agent()), this::onAgentStatus));
    subscribed.add(subscribe(t.virtioCtrl(cfg.name()), this::onCtrl));
    return Future.all(subscribed)
        .compose(v -> {
          DeviceInfo info = new DeviceInfo(cfg.name(), cfg.cpu(), cfg.irq(), cfg.features(), cfg.phy(), cfg.agent(),
              cfg.frontend());
          return Future.all(configPublished, session.publish(deviceTopic, Buffer.buffer(Codecs.DEVICE.encode(info)), true));
        })
        .onSuccess(v -> {
          started = true;
          LOG.info("{}: probed (phy {}/{}, cpu {}, irq {}, features {})", cfg.name(), cfg.agent(), cfg.phy(),
              cfg.cpu(), cfg.irq(), cfg.features());
          env.timeline().record(cfg.name(), "probed", "up");
          changed();
        });
  }

  private Future<Void> subscribe(String topic, Consumer<InboundMessage> handler) {
    return env.session().subscribe(topic, m -> {
      if (!stopped) {
        handler.accept(m);
      }
    }).map(s -> {
      subscriptions.add(s);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    stopped = true;
    if (removeReconnectListener != null) {
      removeReconnectListener.run();
    }
    if (changes != null) {
      changes.close();
    }
    if (policy != null) {
      policy.close();
    }
    List<Future<?>> done = new ArrayList<>();
    for (MqttSession.Subscription s : subscriptions) {
      done.add(s.unsubscribe());
    }
    subscriptions.clear();
    if (ref != null) {
      // remove: dev_put, then no retained garbage
      done.add(ref.put());
      env.metrics().removed(cfg.name());
      device.cleared();
      done.add(writer.clear());
      done.add(env.session().publish(deviceTopic, Buffer.buffer(), true));
    }
    counters.unregister(env.registry());
    stopFuture = Future.join(done).<Void>mapEmpty().otherwiseEmpty()
        .onComplete(ar -> {
          LOG.info("{}: removed", cfg.name());
          env.timeline().record(cfg.name(), "removed (hot-unplug)", "down");
          env.events().publish("instance", () -> new JsonObject().put("name", cfg.name()).put("removed", true));
        });
    return stopFuture;
  }

  // ---- inbound: decode, reject, hand to the models ----

  private void onState(InboundMessage m) {
    try {
      if (m.payload().length() == 0) {
        // an empty retained state: no such device
        counters.phyEvents.incrementAndGet();
        link.onNoState();
        return;
      }
      NetdevState s = m.decoded(Codecs.NETDEV_STATE);
      link.requireOurs(s, null);
      counters.phyEvents.incrementAndGet();
      if (!link.onState(s)) {
        counters.staleDropped.incrementAndGet();
      }
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  private void onEvent(InboundMessage m) {
    try {
      NetdevEvent e = m.decoded(Codecs.NETDEV_EVENT);
      link.requireOurs(e.state(), e.oldIfname());
      counters.phyEvents.incrementAndGet();
      env.metrics().eventReceived(e.event());
      if (!link.onEvent(e)) {
        counters.staleDropped.incrementAndGet();
      }
    } catch (InvalidMessageException ex) {
      reject(m.topic(), ex);
    }
  }

  private void onAgentStatus(InboundMessage m) {
    if (m.payload().length() == 0) {
      return; // status cleared: nothing known either way
    }
    try {
      ServiceStatus st = Codecs.SERVICE_STATUS.decode(m.bytes());
      if (st.online() == link.agentOnline()) {
        return;
      }
      if (st.online()) {
        LOG.info("{}: agent {} is back online", cfg.name(), cfg.agent());
        ref.republish();
      } else {
        LOG.warn("{}: agent {} went offline ({})", cfg.name(), cfg.agent(),
            env.onAgentLoss() == AgentLossPolicy.DOWN ? "reporting link down" : "holding the last state");
      }
      link.setAgentOnline(st.online());
      changed();
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  private void onCtrl(InboundMessage m) {
    try {
      CtrlMessage c = Codecs.CTRL.decode(m.bytes());
      if (c instanceof CtrlMessage.DriverFeatures d) {
        LOG.info("{}: driver live, negotiated {}", cfg.name(), device.driverOk(d.features()));
        env.timeline().record(cfg.name(), "driver live (DRIVER_OK)", null);
      } else if (c instanceof CtrlMessage.Command cmd && cmd.isAnnounceAck()) {
        device.announceAck();
      } else {
        CtrlMessage.Command cmd = (CtrlMessage.Command) c;
        throw InvalidMessageException.of("unsupported-ctrl",
            "ctrl class " + cmd.ctrlClass() + " command " + cmd.cmd() + " is not supported");
      }
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  private void reject(String topic, InvalidMessageException e) {
    counters.rejected.incrementAndGet();
    env.rejections().reject(topic, e);
  }

  private void onReconnect() {
    if (!stopped && started) {
      // a frontend may have missed IRQs while the broker was away: new generation, IRQ if live
      device.rewrite();
    }
  }

  private void changed() {
    if (started && !stopped) {
      changes.changed();
    }
  }

  // ---- control from the node (any context) ----

  /** Turns the carrier-notify switch; on again, re-syncs at once. Completes with the new snapshot. */
  public Future<JsonObject> setCarrierNotify(boolean enabled) {
    return ContextCalls.get(context, () -> {
      if (enabled != link.carrierNotify() && !stopped) {
        LOG.info("{}: carrier-notify {}", cfg.name(), enabled ? "on" : "off");
        link.setCarrierNotify(enabled);
        if (enabled) {
          device.sync();
        }
        env.timeline().record(cfg.name(), "carrier-notify " + (enabled ? "on" : "off"), null);
        changed();
      }
      return snapshotNow();
    });
  }

  /**
   * {@code POST …/announce}: sets ANNOUNCE with an IRQ (the driver's ACK clears it without one).
   * Fails with 409 when the driver did not negotiate GUEST_ANNOUNCE. Completes with the snapshot.
   */
  public Future<JsonObject> announce() {
    return ContextCalls.get(context, () -> {
      String refused = stopped ? "instance is being removed" : device.requestAnnounce();
      if (refused != null) {
        throw ApiException.conflict(cfg.name() + ": " + refused);
      }
      env.timeline().record(cfg.name(), "announce requested", "up");
      return snapshotNow();
    });
  }

  /** The link policy in force, in the shape {@code PUT …/policy} takes. */
  public Future<JsonObject> policy() {
    return ContextCalls.get(context, () -> policy.config().toJson());
  }

  /**
   * Applies a new link policy live: the reported state is kept, pending hold and linkwatch timers are
   * re-timed, the dampening penalty is kept (see {@link LinkPolicy#reconfigure}). Completes with the
   * policy in force.
   */
  public Future<JsonObject> setPolicy(LinkPolicyConfig next) {
    return ContextCalls.get(context, () -> {
      if (!stopped && !next.equals(policy.config())) {
        LOG.info("{}: link policy {}", cfg.name(), next.toJson().encode());
        policy.reconfigure(next);
        changed();
      }
      return policy.config().toJson();
    });
  }

  /** The instance as the API shows it. */
  public Future<JsonObject> snapshot() {
    return ContextCalls.get(context, this::snapshotNow);
  }

  private JsonObject snapshotNow() {
    return InstanceSnapshot.of(cfg, link, policy, ref, device, counters);
  }
}
