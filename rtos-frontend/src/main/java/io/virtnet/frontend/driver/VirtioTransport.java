package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.virtnet.protocol.Codecs;
import io.virtnet.protocol.CtrlMessage;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.Duplex;
import io.virtnet.protocol.Irq;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import io.virtnet.protocol.VirtioNetConfig.Generational;
import io.virtnet.runtime.mqtt.MqttSession;
import io.virtnet.runtime.mqtt.TypedSubscriber;
import java.time.Instant;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A driver's end of one virtio device over MQTT, as a virtio transport (PCI, MMIO) is in Linux:
 * feature negotiation, config space reads ({@code config}, sequenced against interrupts by
 * {@link ConfigSequencer}, so a driver only hears of a config when it may act on it), interrupts,
 * the control commands DRIVER_OK ({@code driverFeatures}) and ANNOUNCE_ACK on {@code ctrl}, the
 * config fields as the negotiated features allow (status, MTU, speed/duplex, MAC), and the driver's
 * retained {@code link} view, cleared on close. Every driver kind uses one; it runs on the owning CPU
 * verticle's context.
 */
public final class VirtioTransport {
  private static final Logger LOG = LoggerFactory.getLogger(VirtioTransport.class);

  /** Told each time a config is to be applied, as {@code virtnet_config_changed_work} runs. */
  @FunctionalInterface
  public interface ConfigListener {
    void configChanged(VirtioNetConfig config, long generation, Instant phyTs);
  }

  private final DeviceInfo device;
  private final DriverContext ctx;
  private final MqttSession session;
  private final Set<VirtioFeature> negotiated;
  private final String driverKind;
  private final String configTopic;
  private final String ctrlTopic;
  private final ConfigSequencer sequencer = new ConfigSequencer();

  private ConfigListener listener = (c, g, t) -> {};
  private Future<MqttSession.Subscription> subscription;
  private boolean closed;
  private Future<Void> closing;

  // the config as last applied
  private int status;
  private int mtu = VirtioNetDriver.DEFAULT_MTU;
  private long speed = VirtioNetConfig.SPEED_UNKNOWN;
  private Duplex duplex = Duplex.UNKNOWN;
  private String mac = "";
  private long announceAcks;
  private Instant lastPhyTs;
  private Instant pendingPhyTs;
  private long irqs;
  private long configsApplied;
  private LinkView view;

  /** The transport of {@code device} for a driver of {@code driverKind} that accepts {@code driverFeatures}. */
  public VirtioTransport(DeviceInfo device, DriverContext ctx, Set<VirtioFeature> driverFeatures, String driverKind) {
    this.device = device;
    this.ctx = ctx;
    this.session = ctx.session();
    this.negotiated = VirtioFeature.negotiate(device.deviceFeatures(), driverFeatures);
    this.driverKind = driverKind;
    this.configTopic = ctx.topics().virtioConfig(device.instance());
    this.ctrlTopic = ctx.topics().virtioCtrl(device.instance());
  }

  /**
   * Subscribes the config topic (its retained message is the probe-time config read, handed to
   * {@code listener}), then signals DRIVER_OK; completes once subscribed.
   */
  public Future<Void> open(ConfigListener configListener) {
    this.listener = configListener;
    ctx.metrics().probed();
    subscription = session.subscribe(configTopic, configSubscriber());
    return subscription.map(s -> {
      if (!closed) {
        LOG.info("cpu {}: probed {} with the {} driver (irq {}, features {})", ctx.cpu(), device.instance(), driverKind,
            device.irq(), negotiated);
        sendDriverFeatures();
      }
      return null;
    });
  }

  /** DRIVER_OK: the negotiated features on {@code ctrl} (again after a reconnect or a backend restart). */
  public void sendDriverFeatures() {
    if (closed) {
      return;
    }
    session.publish(ctrlTopic, Buffer.buffer(Codecs.CTRL.encode(new CtrlMessage.DriverFeatures(negotiated))), false)
        .onFailure(e -> LOG.warn("cpu {}: {} driverFeatures not sent: {}", ctx.cpu(), device.instance(), e.getMessage()));
  }

  /** {@code VIRTIO_NET_CTRL_ANNOUNCE_ACK}: the backend then clears ANNOUNCE. Counted in {@link #announceAcks()}. */
  public void ackAnnounce() {
    if (closed) {
      return;
    }
    announceAcks++;
    ctx.metrics().announceAcked();
    session.publish(ctrlTopic, Buffer.buffer(Codecs.CTRL.encode(CtrlMessage.announceAck())), false)
        .onFailure(e -> LOG.warn("cpu {}: {} ANNOUNCE_ACK not sent: {}", ctx.cpu(), device.instance(), e.getMessage()));
  }

  /** An interrupt for this device: a config change is applied once its config is here. */
  public void handleIrq(Irq irq) {
    if (closed) {
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

  /** The config topic's subscriber: decodes each config once and counts what breaks the contract. */
  private TypedSubscriber<Generational> configSubscriber() {
    return TypedSubscriber.orGone(Codecs.CONFIG, ctx.rejections(), c -> handleConfig(c.value(), c.retained()),
        cleared -> { }); // the config cleared (hot-unplug under way): no config, not a malformed one
  }

  /** A config read from {@code config}; {@code retained} marks a fresh-subscription delivery (probe or resync). */
  void handleConfig(Generational c, boolean retained) {
    if (closed) {
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

  private void apply(Generational g, Instant phyTs) {
    VirtioNetConfig config = g.config();
    sequencer.applied(g.generation());
    if (sequencer.pendingIrqGeneration() < 0) {
      pendingPhyTs = null;
    }
    configsApplied++;
    status = config.status();
    mtu = negotiated.contains(VirtioFeature.MTU) && config.mtu() > 0 ? config.mtu() : VirtioNetDriver.DEFAULT_MTU;
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
    listener.configChanged(config, g.generation(), phyTs);
  }

  /**
   * A view of the applied config with the driver's {@code carrier} (and QEMU state, if any); null
   * before the first config was applied.
   */
  public LinkView viewOf(boolean carrier, Instant phyTs, LinkView.VmNic vmNic) {
    if (sequencer.appliedGeneration() < 0) {
      return null;
    }
    return new LinkView(carrier, status, sequencer.appliedGeneration(), mtu, speed, duplex, announceAcks, mac,
        driverKind, Instant.now(), phyTs, vmNic);
  }

  /** Publishes {@code next} (retained) unless it shows the same link as the last published view. */
  public void publishIfChanged(LinkView next) {
    if (closed || next == null || next.sameLink(view)) {
      return;
    }
    view = next;
    ctx.linkViews().publish(device.instance(), Codecs.LINK_VIEW.encode(next))
        .onFailure(e -> LOG.warn("cpu {}: {} link view not published: {}", ctx.cpu(), device.instance(), e.getMessage()));
  }

  public DeviceInfo device() {
    return device;
  }

  /** The features both sides agreed on. */
  public Set<VirtioFeature> negotiated() {
    return negotiated;
  }

  /** The driver kind as shown in the link view ("virtio", "qemu"). */
  public String driverKind() {
    return driverKind;
  }

  /** The view last published, or null. */
  public LinkView view() {
    return view;
  }

  public long announceAcks() {
    return announceAcks;
  }

  public boolean closed() {
    return closed;
  }

  /** Unsubscribes and clears the retained view (leaving no retained garbage); safe twice. */
  public Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    closed = true;
    Future<Void> unsubscribed = subscription == null ? Future.succeededFuture()
        : subscription.compose(MqttSession.Subscription::unsubscribe, e -> Future.succeededFuture());
    Future<Void> cleared = ctx.linkViews().clear(device.instance());
    closing = Future.join(unsubscribed, cleared)
        .<Void>mapEmpty()
        .recover(e -> {
          LOG.debug("cpu {}: {} removal incomplete: {}", ctx.cpu(), device.instance(), e.getMessage());
          return Future.succeededFuture();
        });
    return closing;
  }

  /** Adds the shared diagnostic fields (device, features, applied config, sequencing) to {@code o}. */
  public JsonObject snapshotInto(JsonObject o) {
    return o
        .put("instance", device.instance())
        .put("driver", driverKind)
        .put("cpu", ctx.cpu())
        .put("irq", device.irq())
        .put("phy", device.phy())
        .put("agent", device.agent())
        .put("deviceFeatures", new JsonArray(VirtioFeature.names(device.deviceFeatures())))
        .put("negotiated", new JsonArray(VirtioFeature.names(negotiated)))
        .put("status", status)
        .put("generation", sequencer.appliedGeneration())
        .put("mtu", mtu)
        .put("speed", speed == VirtioNetConfig.SPEED_UNKNOWN ? -1 : speed)
        .put("duplex", duplex.wireName())
        .put("mac", mac)
        .put("announces", announceAcks)
        .put("irqs", irqs)
        .put("configsApplied", configsApplied)
        .put("pendingIrqGeneration", sequencer.pendingIrqGeneration())
        .put("storedGeneration", sequencer.storedGeneration())
        .put("lastPhyTs", lastPhyTs == null ? null : lastPhyTs.toString());
  }
}
