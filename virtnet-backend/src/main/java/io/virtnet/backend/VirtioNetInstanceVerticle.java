package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.api.ApiException;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.backend.policy.PolicyClock;
import io.virtnet.protocol.Codec;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.Topics;
import io.virtnet.runtime.ContextCalls;
import io.virtnet.runtime.metrics.Rejections;
import io.virtnet.runtime.metrics.Repairs;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.Received;
import java.util.ArrayList;
import java.util.List;
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
  private InstanceConvergence convergence;
  private ResyncWatch resync;
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
    String configTopic = t.virtioConfig(cfg.name());
    String refTopic = t.phyRef(cfg.agent(), cfg.phy(), cfg.name());
    convergence = new InstanceConvergence(cfg.name(), vertx, session, env.repairs(), deviceTopic, configTopic, refTopic);
    ref = new RefHolder(convergence::publish, refTopic, cfg.name(), env.node());
    PhyBinding binding = new PhyBinding(cfg, env, ref, counters, this::changed);
    writer = new ConfigWriter(convergence::publish, configTopic, env.interrupts(), cfg.cpu(), cfg.name(), cfg.irq(),
        binding::lastPhyTs, env.timeline(), this::changed);
    resync = new ResyncWatch(PolicyClock.of(vertx), env.resyncMs(), this::resync);
    policy = new LinkPolicy(cfg.policy(), PolicyClock.of(vertx), (up, changed) -> device.report(up, changed));
    link = new InstanceLink(cfg.name(), cfg.agent(), cfg.phy(), cfg.carrierNotify(), env.onAgentLoss(), policy,
        binding);
    device = new VirtioNetDevice(cfg, env.node(), System::currentTimeMillis, PolicyClock.of(vertx), new VirtioNetDevice.Link() {
      @Override
      public boolean reportedUp() {
        return policy.reportedUp();
      }

      @Override
      public NetdevState followed() {
        return link.followed();
      }
    }, (c, generation, irq) -> {
      writer.write(c, generation, irq);
      resync.configWritten(c.linkUp(), device.statusIrqs());
    }, counters);
    binding.attach(policy, device);
    convergence.owner(new InstanceConvergence.Owner() {
      @Override
      public void republishDevice() {
        publishDevice();
      }

      @Override
      public void rewriteConfig() {
        device.rewrite();
      }

      @Override
      public void reassertRef() {
        ref.reassert();
      }
    });
    changes = new CoalescedChange(vertx, CHANGE_EVENT_COALESCE_MS, env.events()::listened,
        () -> env.events().publish("instance", this::snapshotNow));
    counters.register(env.registry(), cfg.name(), policy);
    removeReconnectListener = session.onReconnect(this::onReconnect);

    // probe: config first (the driver reads it when it finds the device), then the device
    device.probe();
    Future<Void> configPublished = writer.lastPublish();
    InstanceInbound in = new InstanceInbound(cfg, env, counters, link, device, ref, convergence, this::changed);
    List<Future<?>> subscribed = new ArrayList<>();
    Rejections rejected = in.rejections();
    subscribed.add(subscribe(t.phyState(cfg.agent(), cfg.phy()), in.stateSubscriber()));
    subscribed.add(subscribe(t.phyEvent(cfg.agent(), cfg.phy()), Codecs.NETDEV_EVENT, rejected, in::onEvent));
    subscribed.add(subscribe(t.phyStatus(cfg.agent()), in.agentStatusSubscriber()));
    subscribed.add(subscribe(t.virtioCtrl(cfg.name()), Codecs.CTRL, rejected, in::onCtrl));
    for (String owned : List.of(deviceTopic, configTopic, refTopic)) {
      // compared byte for byte with what we published: nothing to decode
      subscribed.add(subscribe(owned, convergence::observed));
    }
    return Future.all(subscribed)
        .compose(v -> Future.all(configPublished, publishDevice()))
        // a failed start is not stopped by Vert.x: release what it opened, then fail
        .recover(e -> Future.join(release()).transform(ar -> {
          LOG.warn("{}: failed to start ({}); released its meters, timers and subscriptions", cfg.name(),
              e.getMessage());
          return Future.failedFuture(e);
        }))
        .onSuccess(v -> {
          started = true;
          LOG.info("{}: probed (phy {}/{}, cpu {}, irq {}, features {})", cfg.name(), cfg.agent(), cfg.phy(),
              cfg.cpu(), cfg.irq(), cfg.features());
          env.timeline().record(cfg.name(), "probed", "up");
          changed();
        });
  }

  /** A typed subscription (decoded, bad input counted) that goes quiet once the instance stops. */
  private <T> Future<Void> subscribe(String topic, Codec<T> codec, Rejections rejected, Handler<Received<T>> handler) {
    return kept(env.session().subscribe(topic, codec, rejected, r -> {
      if (!stopped) {
        handler.handle(r);
      }
    }));
  }

  /** A subscription with its own handler (a TypedSubscriber.orGone, say) that goes quiet once the instance stops. */
  private Future<Void> subscribe(String topic, Handler<InboundMessage> handler) {
    return kept(env.session().subscribe(topic, m -> {
      if (!stopped) {
        handler.handle(m);
      }
    }));
  }

  /** Keeps a subscription to cancel on stop. */
  private Future<Void> kept(Future<MqttSession.Subscription> subscribed) {
    return subscribed.map(s -> {
      subscriptions.add(s);
      return null;
    });
  }

  @Override
  public Future<?> stop() {
    if (stopFuture != null) {
      return stopFuture;
    }
    List<Future<?>> done = release();
    if (ref != null) {
      // remove: dev_put, then no retained garbage
      done.add(ref.put());
      device.cleared();
      done.add(writer.clear());
      done.add(convergence.publish(deviceTopic, Buffer.buffer()));
    }
    stopFuture = Future.join(done).<Void>mapEmpty().otherwiseEmpty()
        .onComplete(ar -> {
          LOG.info("{}: removed", cfg.name());
          env.timeline().record(cfg.name(), "removed (hot-unplug)", "down");
          env.events().publish("instance", () -> new JsonObject().put("name", cfg.name()).put("removed", true));
        });
    return stopFuture;
  }

  /**
   * Releases what start opened (the reconnect listener, timers, subscriptions, meters), on stop and
   * after a failed start; returns the unsubscriptions under way.
   */
  private List<Future<?>> release() {
    stopped = true;
    if (removeReconnectListener != null) {
      removeReconnectListener.run();
      removeReconnectListener = null;
    }
    if (changes != null) {
      changes.close();
    }
    if (policy != null) {
      policy.close();
    }
    if (resync != null) {
      resync.close();
    }
    convergence.close();
    List<Future<?>> done = new ArrayList<>();
    for (MqttSession.Subscription s : subscriptions) {
      done.add(s.unsubscribe());
    }
    subscriptions.clear();
    env.metrics().removed(cfg.name());
    counters.unregister(env.registry());
    return done;
  }

  private void onReconnect() {
    if (!stopped && started) {
      // the session restored device and config; a frontend may have missed IRQs meanwhile:
      // new generation, IRQ if live
      convergence.reconnected();
      device.devicePublished();
      device.rewrite();
    }
  }

  /** Publishes the device (probe, or again: a driver may then probe it anew). */
  private Future<Void> publishDevice() {
    device.devicePublished();
    return convergence.publish(deviceTopic, Buffer.buffer(Codecs.DEVICE.encode(new DeviceInfo(cfg.name(), cfg.cpu(),
        cfg.irq(), cfg.features(), cfg.phy(), cfg.agent(), cfg.frontend()))));
  }

  /** The frontend's view kept disagreeing with the config: republish the device and the config. */
  private void resync() {
    env.repairs().repaired(Repairs.RESYNC, cfg.name() + ": the frontend's view disagrees with the config");
    publishDevice();
    device.rewrite();
  }

  /**
   * A frontend's link view of this instance (from the node's broker-wide subscription, any context).
   * Only the reference driver's view follows the config; a VM NIC's follows what its VM was told.
   */
  public void frontendView(int cpu, String driver, boolean carrier) {
    context.runOnContext(v -> {
      if (!stopped && started && cpu == cfg.cpu() && "virtio".equals(driver)) {
        resync.viewSeen(carrier);
      }
    });
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
