package io.virtnet.frontend.driver;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.virtnet.frontend.qemu.QemuLinkDriverCore;
import io.virtnet.frontend.qemu.QemuLinkState;
import io.virtnet.frontend.qemu.QmpClient;
import io.virtnet.protocol.DeviceInfo;
import io.virtnet.protocol.FrontendBinding;
import io.virtnet.protocol.LinkView;
import io.virtnet.protocol.VirtioFeature;
import io.virtnet.protocol.VirtioNetConfig;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver of a device bound to a QEMU VM's NIC ({@code frontend: {kind: qemu, qmp, device}}):
 * discovered, probed and sequenced exactly like the reference driver (same {@link DeviceChannel}),
 * but instead of setting a carrier of its own it tells the VM: {@code VIRTIO_NET_S_LINK_UP} becomes
 * QMP {@code set_link}, a rising {@code VIRTIO_NET_S_ANNOUNCE} becomes {@code announce-self}, answered
 * to the backend with ANNOUNCE_ACK once QEMU took it. The guest's own virtio-net driver then sees the
 * change through QEMU's device model. The link view's {@code carrier} is what the VM was last told; its
 * {@code qemu} object says how QMP is doing. QMP runs through the CPU's shared {@code QmpClientPool}
 * (one session per VM) and {@link QemuLinkDriverCore}, which reconnects with backoff and re-applies
 * the current state on every new session, so a missing, slow or restarted QEMU never blocks the CPU.
 */
public final class QemuNetDriver extends ChannelDriver {
  private static final Logger LOG = LoggerFactory.getLogger(QemuNetDriver.class);
  public static final String KIND = "qemu";
  /**
   * The features this driver accepts. The guest negotiates with QEMU, not with us; these are what
   * QEMU's virtio-net model acts on for the link (STATUS, ANNOUNCE via CTRL_VQ) plus the config
   * fields the view shows.
   */
  public static final Set<VirtioFeature> OFFERED = Collections.unmodifiableSet(EnumSet.of(VirtioFeature.STATUS,
      VirtioFeature.CTRL_VQ, VirtioFeature.GUEST_ANNOUNCE, VirtioFeature.MAC, VirtioFeature.MTU,
      VirtioFeature.SPEED_DUPLEX));

  private final FrontendBinding binding;

  private QmpClient client;
  private QemuLinkDriverCore core;
  private Instant lastPhyTs;
  private Boolean lastTold;
  private Future<Void> removal;

  public QemuNetDriver(DeviceInfo device, DriverContext ctx) {
    super(device, ctx, OFFERED, KIND);
    this.binding = Objects.requireNonNull(device.frontend(), "device has no frontend binding");
  }

  /** Acquires the VM's QMP session (connecting in the background) and probes like the reference driver. */
  @Override
  public Future<Void> probe() {
    client = ctx.qmpPool().acquire(binding.qmp());
    core = new QemuLinkDriverCore(ctx.vertx(), client, binding.device())
        .stateHandler(s -> publishView())
        .announceHandler(v -> channel.ackAnnounce());
    return channel.open(this::configChanged);
  }

  /** The config the backend wrote, as the guest would read it: tell the VM's NIC (coalesced by the core). */
  private void configChanged(VirtioNetConfig config, long generation, Instant phyTs) {
    boolean up = !negotiated.contains(VirtioFeature.STATUS) || config.linkUp();
    boolean announce = negotiated.contains(VirtioFeature.GUEST_ANNOUNCE) && config.announce();
    if (phyTs != null) {
      lastPhyTs = phyTs;
    }
    core.applyConfig(up, announce).onFailure(e ->
        LOG.debug("cpu {}: {} link {} not yet told to QEMU ({}); kept desired", ctx.cpu(), device.instance(),
            up ? "up" : "down", e.getMessage()));
    publishView();
  }

  /** Publishes the view when the config or what QEMU knows changed; carrier = what the VM was last told. */
  private void publishView() {
    if (channel.closed()) {
      return;
    }
    QemuLinkState s = core.state();
    if (s.told() != null && !s.told().equals(lastTold)) {
      if (lastTold != null) {
        ctx.metrics().carrierChanged();
      }
      LOG.debug("cpu {}: {} told QEMU {} link {}", ctx.cpu(), device.instance(), binding.device(), s.told() ? "up" : "down");
      lastTold = s.told();
    }
    channel.publishIfChanged(channel.viewOf(Boolean.TRUE.equals(s.told()), lastPhyTs, qemuView(s)));
  }

  private LinkView.Qemu qemuView(QemuLinkState s) {
    // connected: the last failed call, if any; not connected: why the client cannot connect
    String error = s.qmpConnected() || client.lastError() == null ? s.lastError() : client.lastError();
    return new LinkView.Qemu(s.told(), s.qmpConnected(), s.qmpAnswered(), error, s.setLinkCalls(), s.announces());
  }

  @Override
  public Future<Void> remove() {
    if (removal == null) {
      Future<Void> cleared = channel.close();
      Future<Void> released = core == null ? Future.succeededFuture()
          : core.close().compose(v -> ctx.qmpPool().release(binding.qmp()), e -> ctx.qmpPool().release(binding.qmp()));
      removal = Future.join(cleared, released).<Void>mapEmpty().recover(e -> Future.succeededFuture())
          .onSuccess(v -> LOG.info("cpu {}: removed {} (QEMU {} on {})", ctx.cpu(), device.instance(), binding.device(),
              binding.qmp()));
    }
    return removal;
  }

  @Override
  public JsonObject snapshot() {
    JsonObject o = channel.snapshotInto(new JsonObject())
        .put("frontend", binding.toJson());
    if (core != null) {
      QemuLinkState s = core.state();
      o.put("carrier", Boolean.TRUE.equals(s.told()))
          .put("qemu", s.toJson())
          .put("qmp", client.status());
    } else {
      o.put("carrier", false);
    }
    return o;
  }
}
