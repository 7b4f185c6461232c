package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.InvalidMessageException;
import io.virtnet.protocol.IrqMessage;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.protocol.VirtioNetConfig.Generational;
import io.virtnet.runtime.mqtt.MqttSession;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reference virtio-net driver, after Linux {@code drivers/net/virtio_net.c}: feature negotiation
 * and DRIVER_OK at probe, the config read of {@code virtnet_config_changed_work} on a config IRQ
 * (carrier from {@code VIRTIO_NET_S_LINK_UP}, ANNOUNCE answered with {@code ANNOUNCE_ACK}), and a
 * retained {@code link} view of what it sees.
 */
public final class VirtioNetDriver implements NetDriver {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioNetDriver.class);
  public static final String KIND = "virtio";
  /** The MTU a driver assumes when the device offers none ({@code ETH_DATA_LEN}). */
  public static final int DEFAULT_MTU = 1500;

  private final DeviceInfo device;
  private final DriverContext ctx;
  private final MqttSession session;
  private final Set<VirtioFeature> negotiated;
  private final String configTopic;
  private final String ctrlTopic;
  private final String linkTopic;
  private final ConfigSequencer sequencer = new ConfigSequencer();

  private Future<MqttSession.Subscription> subscription;
  private boolean removed;
  private Future<Void> removal;

  // what the driver currently sees ("netdev" state)
  private boolean carrier;
  private int status;
  private int mtu = DEFAULT_MTU;
  private long speed = VirtioNetConfig.SPEED_UNKNOWN;
  private Duplex duplex = Duplex.UNKNOWN;
  private String mac = "";
  private long announces;
  private long lastAnnounceGeneration = -1;
  private Instant lastPhyTs;
  private Instant pendingPhyTs;
  private LinkView view;
  private long irqs;
  private long configsApplied;

  public VirtioNetDriver(DeviceInfo device, DriverContext ctx) {
    this.device = device;
    this.ctx = ctx;
    this.session = ctx.session();
    this.negotiated = VirtioFeature.negotiate(device.deviceFeatures(), ctx.driverFeatures());
    this.configTopic = ctx.topics().virtioConfig(device.instance());
    this.ctrlTopic = ctx.topics().virtioCtrl(device.instance());
    this.linkTopic = ctx.topics().rtosLink(ctx.cpu(), device.instance());
    // as virtnet_probe: carrier off until the config says otherwise; without STATUS the link is always up
    this.carrier = !negotiated.contains(VirtioFeature.STATUS);
  }

  @Override
  public DeviceInfo device() {
    return device;
  }

  @Override
  public String kind() {
    return KIND;
  }

  /** The features both sides agreed on. */
  public Set<VirtioFeature> negotiated() {
    return negotiated;
  }

  @Override
  public Future<Void> probe() {
    ctx.metrics().probed();
    // subscribe first so the retained config (the probe-time config read) arrives, then DRIVER_OK
    subscription = session.subscribe(configTopic, m -> handleConfig(m.payload(), m.retained()));
    return subscription.map(s -> {
      if (!removed) {
        LOG.info("cpu {}: probed {} (irq {}, features {})", ctx.cpu(), device.instance(), device.irq(), negotiated);
        sendDriverFeatures();
      }
      return null;
    });
  }

  private void sendDriverFeatures() {
    session.publish(ctrlTopic, new CtrlMessage.DriverFeatures(negotiated).encode(), false)
        .onFailure(e -> LOG.warn("cpu {}: {} driverFeatures not sent: {}", ctx.cpu(), device.instance(), e.getMessage()));
  }

  @Override
  public void onReconnect() {
    if (!removed) {
      // the backend may have restarted and lost DRIVER_OK; the retained config resyncs on its own
      sendDriverFeatures();
    }
  }

  @Override
  public void handleIrq(IrqMessage irq) {
    if (removed) {
      return;
    }
    irqs++;
    if ((irq.isr() & VirtioNetConfig.ISR_CONFIG) == 0) {
      return; // no config change: nothing a link driver acts on
    }
    Generational c = sequencer.onIrq(irq.generation());
    if (c != null) {
      apply(c, irq.phyTs());
    } else if (sequencer.pendingIrqGeneration() == irq.generation()) {
      pendingPhyTs = irq.phyTs();
    }
  }

  @Override
  public void handleConfig(Buffer payload, boolean retained) {
    if (removed) {
      return;
    }
    Generational c;
    try {
      c = VirtioNetConfig.decodeWire(payload.getBytes());
    } catch (InvalidMessageException e) {
      ctx.rejections().reject(configTopic, e);
      return;
    }
    if (retained) {
      Generational now = sequencer.onRetainedConfig(c);
      if (now != null) {
        apply(now, sequencer.pendingIrqGeneration() >= 0 ? pendingPhyTs : null);
      }
    } else {
      Generational now = sequencer.onLiveConfig(c);
      if (now != null) {
        apply(now, pendingPhyTs);
      }
    }
  }

  /** As {@code virtnet_config_changed_work}: read status, answer ANNOUNCE, set the carrier. */
  private void apply(Generational g, Instant phyTs) {
    VirtioNetConfig config = g.config();
    long generation = g.generation();
    sequencer.applied(generation);
    if (sequencer.pendingIrqGeneration() < 0) {
      pendingPhyTs = null;
    }
    configsApplied++;
    if (config.announce() && negotiated.contains(VirtioFeature.GUEST_ANNOUNCE)
        && generation != lastAnnounceGeneration) {
      lastAnnounceGeneration = generation;
      announces++;
      ctx.metrics().announceAcked();
      session.publish(ctrlTopic, CtrlMessage.announceAck().encode(), false)
          .onFailure(e -> LOG.warn("cpu {}: {} ANNOUNCE_ACK not sent: {}", ctx.cpu(), device.instance(), e.getMessage()));
    }
    boolean newCarrier = !negotiated.contains(VirtioFeature.STATUS) || config.linkUp();
    if (newCarrier != carrier) {
      ctx.metrics().carrierChanged();
      LOG.debug("cpu {}: {} carrier {} (generation {})", ctx.cpu(), device.instance(), newCarrier ? "on" : "off", generation);
    }
    boolean changed = view == null || newCarrier != carrier || config.status() != status
        || generation != view.generation() || announces != view.announces();
    carrier = newCarrier;
    status = config.status();
    mtu = negotiated.contains(VirtioFeature.MTU) && config.mtu() > 0 ? config.mtu() : DEFAULT_MTU;
    if (negotiated.contains(VirtioFeature.SPEED_DUPLEX)) {
      speed = config.speed();
      duplex = Duplex.ofVirtioByte(config.duplex());
    }
    if (negotiated.contains(VirtioFeature.MAC)) {
      mac = config.macString();
    }
    if (phyTs != null) {
      lastPhyTs = phyTs;
    }
    if (changed) {
      view = new LinkView(carrier, status, generation, mtu, speed, duplex, announces, mac, KIND, Instant.now(), phyTs);
      session.publish(linkTopic, view.encode(), true)
          .onFailure(e -> LOG.warn("cpu {}: {} link view not published: {}", ctx.cpu(), device.instance(), e.getMessage()));
    }
  }

  @Override
  public Future<Void> remove() {
    if (removal != null) {
      return removal;
    }
    removed = true;
    Future<Void> unsubscribed = subscription == null ? Future.succeededFuture()
        : subscription.compose(MqttSession.Subscription::unsubscribe, e -> Future.succeededFuture());
    // leave no retained garbage: an empty retained payload deletes the view
    Future<Void> cleared = session.publish(linkTopic, Buffer.buffer(), true);
    removal = Future.join(unsubscribed, cleared)
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.debug("cpu {}: {} removal incomplete: {}", ctx.cpu(), device.instance(), e.getMessage());
          return Future.succeededFuture();
        })
        .onSuccess(v -> LOG.info("cpu {}: removed {}", ctx.cpu(), device.instance()));
    return removal;
  }

  @Override
  public LinkView view() {
    return view;
  }

  @Override
  public JsonObject snapshot() {
    return new JsonObject()
        .put("instance", device.instance())
        .put("driver", KIND)
        .put("cpu", ctx.cpu())
        .put("irq", device.irq())
        .put("phy", device.phy())
        .put("agent", device.agent())
        .put("deviceFeatures", VirtioFeature.toJson(device.deviceFeatures()))
        .put("negotiated", VirtioFeature.toJson(negotiated))
        .put("carrier", carrier)
        .put("status", status)
        .put("generation", sequencer.appliedGeneration())
        .put("mtu", mtu)
        .put("speed", speed == VirtioNetConfig.SPEED_UNKNOWN ? -1 : speed)
        .put("duplex", duplex.wireName())
        .put("mac", mac)
        .put("announces", announces)
        .put("irqs", irqs)
        .put("configsApplied", configsApplied)
        .put("pendingIrqGeneration", sequencer.pendingIrqGeneration())
        .put("storedGeneration", sequencer.storedGeneration())
        .put("lastPhyTs", lastPhyTs == null ? null : lastPhyTs.toString());
  }
}
