package io.virtnet.backend;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.backend.config.AgentLossPolicy;
import io.virtnet.backend.config.InstanceConfig;
import io.virtnet.backend.config.LinkPolicyConfig;
import io.virtnet.backend.policy.LinkPolicy;
import io.virtnet.backend.policy.PolicyClock;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.NetdevCodec;
import io.virtnet.protocol.NetdevEvent;
import io.virtnet.protocol.NetdevState;
import io.virtnet.protocol.ServiceStatus;
import io.virtnet.protocol.Topics;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.runtime.mqtt.InboundMessage;
import io.virtnet.runtime.mqtt.MqttSession;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One virtio-net instance: its own "netdevice notifier" (subscriptions to its PHY's state and events,
 * its agent's status and its driver's ctrl messages), the reference it holds on the PHY, its link
 * policy and its {@code virtio_net_config}. It finds the PHY by name and binds whenever a registered
 * device of that name appears; it writes the config and raises IRQs on its CPU as DESIGN.md section
 * 3 asks. All state lives on this verticle's context.
 */
public final class VirtioNetInstanceVerticle extends VerticleBase {
  static final long CHANGE_EVENT_COALESCE_MS = 200;
  private boolean changeEventPending;
  private Runnable removeReconnectListener;
  private static final Logger LOG = LoggerFactory.getLogger(VirtioNetInstanceVerticle.class);
  private static final byte[] ZERO_MAC = new byte[6];

  private final InstanceConfig cfg;
  private final InstanceEnv env;
  private final InstanceCounters counters = new InstanceCounters();
  private final List<MqttSession.Subscription> subscriptions = new ArrayList<>();

  private String stateTopic;
  private String eventTopic;
  private String agentStatusTopic;
  private String ctrlTopic;
  private String deviceTopic;

  private LinkPolicy policy;
  private InstanceLink link;
  private RefHolder ref;
  private ConfigWriter writer;

  /** Features agreed at DRIVER_OK; null while no driver is live. */
  private Set<VirtioFeature> negotiated;
  private int probedMtu = -1;
  private int lastSeenMtu = -1;
  private boolean announce;
  private Instant lastPhyTs;
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
    stateTopic = t.phyState(cfg.agent(), cfg.phy());
    eventTopic = t.phyEvent(cfg.agent(), cfg.phy());
    agentStatusTopic = t.phyStatus(cfg.agent());
    ctrlTopic = t.virtioCtrl(cfg.name());
    deviceTopic = t.virtioDevice(cfg.name());
    MqttSession session = env.session();
    ref = new RefHolder(session, t.phyRef(cfg.agent(), cfg.phy(), cfg.name()), cfg.name(), env.node());
    writer = new ConfigWriter(session, t.virtioConfig(cfg.name()), t.rtosIrq(cfg.cpu()), cfg.name(), cfg.irq());
    policy = new LinkPolicy(cfg.policy(), PolicyClock.of(vertx), this::onReport);
    link = new InstanceLink(cfg.name(), cfg.agent(), cfg.phy(), cfg.carrierNotify(), env.onAgentLoss(), policy,
        new LinkEffects());
    counters.register(env.registry(), cfg.name(), policy);
    removeReconnectListener = session.onReconnect(this::onReconnect);

    // probe: config first (the driver reads it when it finds the device), then the device
    Future<Void> configPublished = writer.write(candidateConfig(false), false, null);
    counters.configWrites.incrementAndGet();
    List<Future<?>> subscribed = new ArrayList<>();
    subscribed.add(subscribe(stateTopic, this::onState));
    subscribed.add(subscribe(eventTopic, this::onEvent));
    subscribed.add(subscribe(agentStatusTopic, this::onAgentStatus));
    subscribed.add(subscribe(ctrlTopic, this::onCtrl));
    return Future.all(subscribed)
        .compose(v -> {
          DeviceInfo device = new DeviceInfo(cfg.name(), cfg.cpu(), cfg.irq(), cfg.features(), cfg.phy(), cfg.agent(),
              cfg.frontend());
          return Future.all(configPublished, session.publish(deviceTopic, device.encode(), true));
        })
        .onSuccess(v -> {
          started = true;
          LOG.info("{}: probed (phy {}/{}, cpu {}, irq {}, features {})", cfg.name(), cfg.agent(), cfg.phy(),
              cfg.cpu(), cfg.irq(), cfg.features());
          emitChange();
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
      done.add(writer.clear());
      done.add(env.session().publish(deviceTopic, Buffer.buffer(), true));
    }
    counters.unregister(env.registry());
    stopFuture = Future.join(done).<Void>mapEmpty().otherwiseEmpty()
        .onComplete(ar -> {
          LOG.info("{}: removed", cfg.name());
          emitRemoved();
        });
    return stopFuture;
  }

  // ---- inbound ----

  private void onState(InboundMessage m) {
    try {
      if (m.payload().length() == 0) {
        // an empty retained state: no such device
        counters.phyEvents.incrementAndGet();
        link.onNoState();
        return;
      }
      NetdevState s = m.decoded(NetdevCodec.STATE_DECODER);
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
      NetdevEvent e = m.decoded(NetdevCodec.EVENT_DECODER);
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
      ServiceStatus st = ServiceStatus.decode(m.payload());
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
      emitChange();
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  private void onCtrl(InboundMessage m) {
    try {
      CtrlMessage c = CtrlMessage.decode(m.payload());
      if (c instanceof CtrlMessage.DriverFeatures d) {
        onDriverOk(d.features());
      } else if (c instanceof CtrlMessage.Command cmd && cmd.isAnnounceAck()) {
        if (announce) {
          announce = false;
          // the driver acknowledged: clear the bit; it reads config when it wants, no IRQ needed
          writeIfChanged(candidateConfig(false), false);
        }
      } else {
        CtrlMessage.Command cmd = (CtrlMessage.Command) c;
        throw InvalidMessageException.of("unsupported-ctrl",
            "ctrl class " + cmd.ctrlClass() + " command " + cmd.cmd() + " is not supported");
      }
    } catch (InvalidMessageException e) {
      reject(m.topic(), e);
    }
  }

  /** {@code driverFeatures} is the driver's DRIVER_OK; a second one is a re-probe: renegotiate. */
  private void onDriverOk(Set<VirtioFeature> driverFeatures) {
    negotiated = VirtioFeature.negotiate(cfg.features(), driverFeatures);
    counters.driverProbes.incrementAndGet();
    if (!negotiated.contains(VirtioFeature.GUEST_ANNOUNCE)) {
      announce = false;
    }
    LOG.info("{}: driver live, negotiated {}", cfg.name(), negotiated);
    // the driver is live now: write the current config under a new generation and announce it
    write(candidateConfig(false), statusIrqs());
  }

  private void onReconnect() {
    if (stopped || !started) {
      return;
    }
    // a frontend may have missed IRQs while the broker was away: new generation, IRQ if live
    write(candidateConfig(false), statusIrqs());
  }

  // ---- the PHY ----

  /** The side effects of {@link InstanceLink}'s decisions. */
  private final class LinkEffects implements InstanceLink.Effects {
    @Override
    public void applied(NetdevState s, Instant ts) {
      lastPhyTs = ts == null ? Instant.now() : ts;
      if (s != null) {
        counters.carrierUpCount.set(s.carrierUpCount());
        counters.carrierDownCount.set(s.carrierDownCount());
        if (probedMtu >= 0 && lastSeenMtu >= 0 && s.mtu() != lastSeenMtu) {
          // the device MTU is read by the driver at probe; the spec forbids changing it afterwards
          counters.mtuChangesIgnored.incrementAndGet();
          LOG.info("{}: PHY MTU changed to {}; the device keeps {}", cfg.name(), s.mtu(), probedMtu);
        }
        lastSeenMtu = s.mtu();
      }
    }

    @Override
    public void bind(NetdevState phy) {
      ref.hold(phy.ifindex());
      env.metrics().held(cfg.name(), true);
      if (probedMtu < 0) {
        probedMtu = phy.mtu();
      }
      LOG.info("{}: bound to {}/{} (ifindex {})", cfg.name(), cfg.agent(), cfg.phy(), phy.ifindex());
      emitChange();
    }

    @Override
    public void rebind(NetdevState phy, int oldIfindex) {
      LOG.info("{}: {} is a new device (ifindex {} -> {}); rebinding", cfg.name(), cfg.phy(), oldIfindex,
          phy.ifindex());
      ref.rebind(phy.ifindex());
      counters.rebinds.incrementAndGet();
      emitChange();
    }

    @Override
    public void release() {
      ref.put();
      env.metrics().held(cfg.name(), false);
      LOG.info("{}: released {}/{}", cfg.name(), cfg.agent(), cfg.phy());
      emitChange();
    }

    @Override
    public boolean configStale() {
      syncCoalescedCounter();
      return !candidateConfig(false).equals(writer.current());
    }
  }

  private void onReport(boolean up, boolean changed) {
    boolean rise = changed && up;
    if (rise && negotiated != null && negotiated.contains(VirtioFeature.GUEST_ANNOUNCE)) {
      // ANNOUNCE only on the way up; the driver answers with VIRTIO_NET_CTRL_ANNOUNCE_ACK
      announce = true;
      counters.announces.incrementAndGet();
    }
    if (changed && !up) {
      announce = false;
    }
    syncCoalescedCounter();
    writeIfChanged(candidateConfig(rise), statusIrqs());
  }

  // ---- config ----

  private Set<VirtioFeature> effectiveFeatures() {
    return negotiated != null ? negotiated : cfg.features();
  }

  /** IRQs go out only to a live driver that negotiated STATUS. */
  private boolean statusIrqs() {
    return negotiated != null && negotiated.contains(VirtioFeature.STATUS);
  }

  /** The config as it should be now; {@code rise} lets speed/duplex change with a rise of LINK_UP. */
  private VirtioNetConfig candidateConfig(boolean rise) {
    Set<VirtioFeature> f = effectiveFeatures();
    VirtioNetConfig cur = writer.current();
    boolean up = policy.reportedUp();
    int status;
    if (f.contains(VirtioFeature.STATUS)) {
      status = (up ? VirtioNetConfig.S_LINK_UP : 0) | (announce ? VirtioNetConfig.S_ANNOUNCE : 0);
    } else {
      status = VirtioNetConfig.S_LINK_UP; // spec: without STATUS the link is assumed up
    }
    byte[] mac;
    if (cfg.mac() != null) {
      mac = VirtioNetConfig.parseMac(cfg.mac());
    } else if (f.contains(VirtioFeature.MAC)) {
      NetdevState followed = link.followed();
      byte[] phyMac = followed == null ? null : parseMacOrNull(followed.address());
      mac = phyMac != null ? phyMac : cur != null ? cur.mac() : ZERO_MAC;
    } else {
      mac = ZERO_MAC;
    }
    long speed = VirtioNetConfig.SPEED_UNKNOWN;
    int duplex = Duplex.UNKNOWN.virtioByte();
    if (f.contains(VirtioFeature.SPEED_DUPLEX)) {
      if (up && !rise && cur != null) {
        // the spec asks that speed and duplex not change while the link is up
        speed = cur.speed();
        duplex = cur.duplex();
      } else if (link.followed() != null) {
        NetdevState followed = link.followed();
        speed = followed.speed() < 0 ? VirtioNetConfig.SPEED_UNKNOWN : followed.speed();
        duplex = followed.duplex().virtioByte();
      }
    }
    int mtu = probedMtu < 0 ? 0 : Math.min(probedMtu, 0xFFFF);
    return new VirtioNetConfig(mac, status, 1, mtu, speed, duplex, 0, 0, 0);
  }

  private static byte[] parseMacOrNull(String address) {
    try {
      return address == null || address.isEmpty() ? null : VirtioNetConfig.parseMac(address);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private void writeIfChanged(VirtioNetConfig c, boolean irq) {
    if (!c.equals(writer.current())) {
      write(c, irq);
    }
  }

  private void write(VirtioNetConfig c, boolean irq) {
    writer.write(c, irq, lastPhyTs);
    counters.configWrites.incrementAndGet();
    if (irq) {
      counters.statusIrqs.incrementAndGet();
    }
    LOG.debug("{}: config generation {} {}{}", cfg.name(), writer.generation(), c, irq ? " + IRQ" : "");
    emitChange();
  }

  private void syncCoalescedCounter() {
    counters.sync(policy);
  }

  private void reject(String topic, InvalidMessageException e) {
    counters.rejected.incrementAndGet();
    env.rejections().reject(topic, e);
  }

  // ---- control from the node (any context) ----

  /** Turns the carrier-notify switch; on again, re-syncs at once. Completes with the new snapshot. */
  public Future<JsonObject> setCarrierNotify(boolean enabled) {
    return onContext(() -> {
      if (enabled != link.carrierNotify() && !stopped) {
        LOG.info("{}: carrier-notify {}", cfg.name(), enabled ? "on" : "off");
        link.setCarrierNotify(enabled);
        if (enabled) {
          writeIfChanged(candidateConfig(false), statusIrqs());
        }
        syncCoalescedCounter();
        emitChange();
      }
      return snapshotNow();
    });
  }

  /** The link policy in force, in the shape {@code PUT …/policy} takes. */
  public Future<JsonObject> policy() {
    return onContext(() -> policy.config().toJson());
  }

  /**
   * Applies a new link policy live: the reported state is kept, pending hold and linkwatch timers are
   * re-timed, the dampening penalty is kept (see {@link LinkPolicy#reconfigure}). Completes with the
   * policy in force.
   */
  public Future<JsonObject> setPolicy(LinkPolicyConfig next) {
    return onContext(() -> {
      if (!stopped && !next.equals(policy.config())) {
        LOG.info("{}: link policy {}", cfg.name(), next.toJson().encode());
        policy.reconfigure(next);
        syncCoalescedCounter();
        emitChange();
      }
      return policy.config().toJson();
    });
  }

  /** The instance as the API shows it. */
  public Future<JsonObject> snapshot() {
    return onContext(this::snapshotNow);
  }

  private <T> Future<T> onContext(java.util.function.Supplier<T> s) {
    Promise<T> p = Promise.promise();
    context.runOnContext(v -> {
      try {
        p.complete(s.get());
      } catch (RuntimeException e) {
        p.fail(e);
      }
    });
    return p.future();
  }

  private JsonObject snapshotNow() {
    JsonObject o = new JsonObject()
        .put("name", cfg.name())
        .put("phy", cfg.phy())
        .put("agent", cfg.agent())
        .put("cpu", cfg.cpu())
        .put("irq", cfg.irq())
        .put("config", cfg.withCarrierNotify(link.carrierNotify()).withPolicy(policy.config()).toJson())
        .put("carrierNotify", link.carrierNotify())
        .put("bound", ref != null && ref.held())
        .put("ifindex", ref == null ? -1 : ref.ifindex())
        .put("phyPresent", link.phy() != null)
        .put("phyLinkUp", link.phy() != null && link.phy().linkUp())
        .put("agentOnline", link.agentOnline())
        .put("driverLive", negotiated != null)
        .put("deviceFeatures", VirtioFeature.toJson(cfg.features()))
        .put("negotiatedFeatures", negotiated == null ? null : VirtioFeature.toJson(negotiated))
        .put("linkUp", policy != null && policy.reportedUp())
        .put("announce", announce)
        .put("probedMtu", probedMtu);
    VirtioNetConfig c = writer == null ? null : writer.current();
    if (c != null) {
      o.put("status", c.status())
          .put("generation", writer.generation())
          .put("mac", c.macString())
          .put("mtu", c.mtu())
          .put("speed", c.speed() == VirtioNetConfig.SPEED_UNKNOWN ? -1 : c.speed())
          .put("duplex", Duplex.ofVirtioByte(c.duplex()).wireName());
    }
    if (policy != null) {
      syncCoalescedCounter();
      o.put("policy", policy.snapshot());
    }
    o.put("counters", counters.toJson()
        .put("penalty", policy == null ? 0 : Math.round(policy.penalty() * 1000) / 1000.0)
        .put("suppressed", policy != null && policy.suppressed())
        .put("holds", ref == null ? 0 : ref.holds())
        .put("puts", ref == null ? 0 : ref.puts()));
    return o;
  }

  /**
   * Tells the API (dashboard, SSE) that this instance changed. Coalesced to one snapshot per
   * {@value #CHANGE_EVENT_COALESCE_MS} ms: in a storm, building a snapshot per config write cost about a
   * tenth of the event loop, and a viewer only needs the latest state.
   */
  private void emitChange() {
    if (!started || stopped || changeEventPending || !env.events().listened()) {
      return;
    }
    changeEventPending = true;
    vertx.setTimer(CHANGE_EVENT_COALESCE_MS, t -> {
      changeEventPending = false;
      if (!stopped) {
        env.events().publish("instance", this::snapshotNow);
      }
    });
  }

  private void emitRemoved() {
    env.events().publish("instance", () -> new JsonObject().put("name", cfg.name()).put("removed", true));
  }
}
